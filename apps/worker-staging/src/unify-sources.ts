/**
 * Raw sources in priority order (a Stripe customer's email wins over a GHL contact's, etc.) and
 * the trusted keys each carries: its own id and cross-references read from configured fields.
 */
export const SOURCES = [
  {
    src: 'stripe',
    table: 'stripe_customers_raw',
    select: `stripe_customer_id, stripe_customer_id, NULL, NULL, NULL`,
  },
  { src: 'paypal', table: 'paypal_payers_raw', select: `payer_id, NULL, NULL, NULL, payer_id` },
  {
    src: 'ghl',
    table: 'ghl_contacts_raw',
    select: `ghl_contact_id, stripe_customer_ref, ghl_contact_id, NULL, NULL`,
  },
  {
    src: 'manychat',
    table: 'manychat_contacts_raw',
    select: `subscriber_id, stripe_customer_ref, ghl_contact_ref, subscriber_id, NULL`,
  },
  {
    src: 'csv',
    table: 'csv_imports_raw',
    select: `import_id || ':' || row_number, NULL, NULL, NULL, NULL`,
  },
] as const;
