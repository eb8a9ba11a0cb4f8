/** A ManyChat subscriber (getInfo / findBySystemField data); extra fields are kept in the payload. */
export interface ManychatSubscriber {
  id: string | number;
  first_name?: string | null;
  last_name?: string | null;
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  whatsapp_phone?: string | null;
  [key: string]: unknown;
}

export function subscriberKeys(s: Record<string, unknown>) {
  // Flow External Requests are configured by the account owner: accept the usual id names.
  const id = s.id ?? s.subscriber_id ?? s.user_id;
  const name =
    (typeof s.name === 'string' && s.name) ||
    [s.first_name, s.last_name].filter((x) => typeof x === 'string' && x).join(' ');
  return {
    subscriberId: typeof id === 'string' || typeof id === 'number' ? String(id) : null,
    email: typeof s.email === 'string' ? s.email : null,
    phone:
      typeof s.phone === 'string' && s.phone
        ? s.phone
        : typeof s.whatsapp_phone === 'string'
          ? s.whatsapp_phone
          : null,
    name: name || null,
  };
}
