/** PayPal dates look like 2026-01-10T16:22:56+0000; Date.parse wants +00:00. */
export function parsePaypalDate(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const t = Date.parse(v.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

/** A transaction_details item as a transactions row (money values are strings already). */
export function transactionKeys(item: Record<string, unknown>) {
  const info = (item.transaction_info ?? {}) as Record<string, unknown>;
  const payer = (item.payer_info ?? {}) as Record<string, unknown>;
  const amount = (info.transaction_amount ?? {}) as { value?: unknown; currency_code?: unknown };
  const id = typeof info.transaction_id === 'string' ? info.transaction_id : null;
  return {
    source: 'paypal',
    kind: 'paypal_transaction',
    sourceId: id,
    customerRef: typeof payer.account_id === 'string' ? payer.account_id : null,
    email: typeof payer.email_address === 'string' ? payer.email_address : null,
    amount: typeof amount.value === 'string' && /^-?\d+(\.\d+)?$/.test(amount.value) ? amount.value : null,
    currency: typeof amount.currency_code === 'string' ? amount.currency_code : null,
    status: typeof info.transaction_status === 'string' ? info.transaction_status : null,
    createdAt: parsePaypalDate(info.transaction_initiation_date),
  };
}
