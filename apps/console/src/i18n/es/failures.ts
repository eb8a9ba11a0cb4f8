/** Texts of the failures page (namespace `failures.`). */
export const failures = {
  'failures.title': 'Fallos y webhooks',
  'failures.intro': 'Trabajos fallidos (dead letters) y el registro de webhooks recibidos.',
} as const;
