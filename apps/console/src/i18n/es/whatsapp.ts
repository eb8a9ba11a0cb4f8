/** Texts of the whatsapp page (namespace `whatsapp.`). */
export const whatsapp = {
  'whatsapp.title': 'Números WhatsApp',
  'whatsapp.intro': 'El registro de números, sus colas y los informes de sincronización.',
} as const;
