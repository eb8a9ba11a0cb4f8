import { readFile } from 'node:fs/promises';
import { type CountryCode, toE164 } from '@cauce/providers';
import { PermanentError } from '@cauce/runtime';
import { z } from 'zod';

/**
 * The file as a whole cannot be used (missing, unreadable, not JSON, wrong top-level shape).
 * Permanent: retrying reads the same bytes. Nothing is written when this is thrown.
 */
export class ConnectionsFileError extends PermanentError {}

/** A connection, validated and reduced to what the registry stores (never the tokens). */
export interface ConnectionEntry {
  /** Position in the file's list, from 0. */
  index: number;
  phoneNumberId: string;
  /** E.164. */
  phoneNumber: string;
  displayName: string;
  wabaId: string | null;
  isActive: boolean;
}

export interface InvalidEntry {
  index: number;
  /** The connection's own `id` or `alias`, when readable, to find it in the file. */
  id?: string;
  alias?: string;
  phoneNumberId?: string;
  errors: string[];
}

export interface IdConflict {
  phoneNumberId: string;
  /** Positions of every entry that claims it. */
  indexes: number[];
  aliases: string[];
}

export interface ParsedConnections {
  /** Entries in the file's list, valid or not. */
  total: number;
  entries: ConnectionEntry[];
  invalid: InvalidEntry[];
  conflicts: IdConflict[];
  /**
   * phoneNumberIds the file names but that could not be applied (invalid or conflicting entries):
   * their rows are left exactly as they are instead of being deactivated.
   */
  untouchable: Set<string>;
}

const numericId = (what: string) =>
  z
    .union([z.string(), z.number()], {
      error: (iss) => (iss.input === undefined ? 'is required' : `must be Meta's numeric ${what}`),
    })
    .transform((v, ctx) => {
      if (typeof v === 'number') {
        // Ids past 2^53 lose digits as JSON numbers; only a string keeps them.
        if (Number.isSafeInteger(v) && v > 0) return String(v);
        ctx.addIssue({ code: 'custom', message: `is not a safe JSON number; write the ${what} as a string` });
        return z.NEVER;
      }
      const id = v.trim();
      if (/^\d{1,32}$/.test(id)) return id;
      ctx.addIssue({ code: 'custom', message: `must be Meta's numeric ${what}` });
      return z.NEVER;
    });

const optionalText = z.string().trim().max(500).optional().nullable();

/** One connection as the connections file writes it. Unknown fields are allowed and ignored. */
export function connectionSchema(defaultCountry: CountryCode) {
  return z
    .looseObject({
      id: z.union([z.string(), z.number()]).optional().nullable(),
      alias: optionalText,
      phoneNumberId: numericId('phone number id'),
      displayNumber: z.string().trim().min(1).max(64),
      accessToken: z.string().optional().nullable(),
      verifyToken: z.string().optional().nullable(),
      wabaId: numericId('WABA id').optional().nullable(),
      isActive: z.boolean().default(true),
      createdAt: optionalText,
      updatedAt: optionalText,
    })
    .transform((c, ctx) => {
      const phoneNumber = toE164(c.displayNumber, [defaultCountry], { acceptPossible: true });
      if (!phoneNumber) {
        ctx.addIssue({
          code: 'custom',
          path: ['displayNumber'],
          message: `"${c.displayNumber}" is not a phone number (default country ${defaultCountry})`,
        });
        return z.NEVER;
      }
      return {
        phoneNumberId: c.phoneNumberId,
        phoneNumber,
        displayName: c.alias || c.displayNumber,
        wabaId: c.wabaId ?? null,
        isActive: c.isActive,
      };
    });
}

/** The file's list: a JSON array, or an object holding it under `connections`. */
function listOf(doc: unknown, file: string): unknown[] {
  if (Array.isArray(doc)) return doc;
  if (doc && typeof doc === 'object' && Array.isArray((doc as { connections?: unknown }).connections))
    return (doc as { connections: unknown[] }).connections;
  throw new ConnectionsFileError(
    `${file}: expected a JSON array of connections or an object with a "connections" array`,
  );
}

const text = (v: unknown) =>
  typeof v === 'string' && v.trim() ? v.trim() : typeof v === 'number' ? String(v) : undefined;

/**
 * Parses and validates the file's text. Throws ConnectionsFileError when the file as a whole is
 * unusable; otherwise every entry is either applied or reported (invalid, or a conflict when
 * two entries claim the same phoneNumberId) without stopping the others.
 */
export function parseConnections(raw: string, defaultCountry: CountryCode, file = 'connections file') {
  let doc: unknown;
  try {
    doc = JSON.parse(raw.replace(/^\uFEFF/, '')); // editors on Windows may save a BOM
  } catch (err) {
    throw new ConnectionsFileError(`${file}: malformed JSON (${(err as Error).message})`);
  }
  const list = listOf(doc, file);
  const schema = connectionSchema(defaultCountry);
  const valid: ConnectionEntry[] = [];
  const invalid: InvalidEntry[] = [];
  list.forEach((item, index) => {
    const res = schema.safeParse(item);
    if (res.success) {
      valid.push({ index, ...res.data });
      return;
    }
    const obj = item && typeof item === 'object' ? (item as Record<string, unknown>) : {};
    invalid.push({
      index,
      id: text(obj.id),
      alias: text(obj.alias),
      phoneNumberId: text(obj.phoneNumberId),
      // Issue messages name the field and the rule, never the value (tokens stay out of reports).
      errors: res.error.issues.map((i) => `${i.path.join('.') || '(entry)'}: ${i.message}`),
    });
  });

  const byId = new Map<string, ConnectionEntry[]>();
  for (const e of valid) byId.set(e.phoneNumberId, [...(byId.get(e.phoneNumberId) ?? []), e]);
  const conflicts: IdConflict[] = [];
  const entries: ConnectionEntry[] = [];
  for (const [phoneNumberId, group] of byId) {
    if (group.length === 1) entries.push(group[0]!);
    else
      conflicts.push({
        phoneNumberId,
        indexes: group.map((e) => e.index),
        aliases: group.map((e) => e.displayName),
      });
  }
  entries.sort((a, b) => a.index - b.index);
  const untouchable = new Set<string>(conflicts.map((c) => c.phoneNumberId));
  for (const i of invalid) if (i.phoneNumberId) untouchable.add(i.phoneNumberId);
  return { total: list.length, entries, invalid, conflicts, untouchable } satisfies ParsedConnections;
}

/** Reads and parses the file (see parseConnections). */
export async function readConnectionsFile(file: string, defaultCountry: CountryCode) {
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConnectionsFileError(`${file}: cannot read the connections file (${(err as Error).message})`);
  }
  return parseConnections(raw, defaultCountry, file);
}
