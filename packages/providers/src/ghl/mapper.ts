/** A GHL contact as search and webhooks carry it; unknown fields are kept in the payload. */
export interface GhlContact {
  id: string;
  locationId?: string;
  email?: string | null;
  phone?: string | null;
  name?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  dateAdded?: string;
  searchAfter?: Array<string | number>;
  [key: string]: unknown;
}

/** The keys staging extracts from a contact (email/phone as the provider wrote them). */
export interface GhlContactKeys {
  ghlContactId: string;
  locationId: string | null;
  email: string | null;
  phone: string | null;
  name: string | null;
}

export function contactKeys(c: GhlContact): GhlContactKeys {
  const name = c.name ?? ([c.firstName, c.lastName].filter(Boolean).join(' ') || null);
  return {
    ghlContactId: c.id,
    locationId: c.locationId ?? null,
    email: c.email ?? null,
    phone: c.phone ?? null,
    name,
  };
}
