/** What an identity generator produces: provider-shaped records plus the ground truth. */
export interface Dataset {
  ghl: Array<Record<string, unknown> & { id: string }>;
  stripe: Array<Record<string, unknown> & { id: string }>;
  /** PayPal transaction-search items (payer_info carries the payer). */
  paypal: Array<Record<string, unknown>>;
  /** ManyChat's dashboard export (columns id, first name, last name, email, phone). */
  manychatCsv: string;
  /** A plain contact CSV (columns ref, nombre, correo, telefono); ref is the truth key. */
  csv: string;
  /** "<source>:<source id>" (csv: "csv:<ref>") -> person id. */
  truth: Map<string, string>;
  /** Person pairs that share a phone but have different emails (a conflict must be reported). */
  households: Array<[string, string]>;
  /** Persons with one email and two phones (a conflict must be reported). */
  twoPhones: string[];
  /** Placeholder identifiers shared by unrelated people (normalised: lowercase email, E.164). */
  junk: { emails: string[]; phones: string[] };
}

/** A CSV field, quoted when needed. */
export const csvField = (v: string | null | undefined) =>
  v == null ? '' : /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
