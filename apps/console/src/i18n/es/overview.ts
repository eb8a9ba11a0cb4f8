/** Texts of the overview page (namespace `overview.`). */
export const overview = {
  'overview.title': 'Resumen',
  'overview.intro': 'El estado de Cauce de un vistazo: trabajadores, colas, fallos y webhooks.',
  'overview.workers': 'Trabajadores',
  'overview.workersHint':
    'Un trabajador «sin señal» no está conectado a Redis: arráncalo (npm run stack lo hace) y revisa sus registros.',
  'overview.queues': 'Colas',
  'overview.queue': 'Cola',
  'overview.waiting': 'En espera',
  'overview.active': 'En curso',
  'overview.delayed': 'Programados',
  'overview.failed': 'Fallidos',
  'overview.oldest': 'Espera más antigua',
  'overview.deadLetters': 'Fallos sin reenviar',
  'overview.deadLettersLink': 'Ver fallos y reenviarlos',
  'overview.syncs': 'Sincronizaciones',
  'overview.source': 'Fuente',
  'overview.lastRun': 'Última ejecución',
  'overview.lastSuccess': 'Último éxito',
  'overview.noSyncs':
    'Todavía no ha corrido ninguna sincronización. Lanza una desde Inventario o el Centro de sincronización.',
  'overview.webhooks': 'Webhooks por proveedor (últimas 24 h)',
  'overview.provider': 'Proveedor',
  'overview.noWebhooks':
    'No ha llegado ningún webhook en las últimas 24 horas. Revisa que cada proveedor tenga configurada la URL de Cauce.',
  'overview.failures': 'Fallos recientes',
  'overview.failedAt': 'Cuándo',
  'overview.job': 'Trabajo',
  'overview.error': 'Error',
  'overview.noFailures': 'Ningún trabajo ha fallado. No hay nada que hacer.',
  'overview.live': 'Se actualiza solo cada pocos segundos.',
} as const;
