import { csvField, type Dataset } from './dataset.ts';

/**
 * Generator A: person by person. Each person gets a profile (email, one or two phones, a name
 * drawn from a short list so names repeat), then records in 1–5 sources, each with formatting
 * noise. Traps: households (shared phone, own emails), one email with two phones, dotted gmail
 * twins (different people), foreign numbers, placeholder emails/phones shared by unrelated people.
 */

/** mulberry32: small, seeded, deterministic. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = [
  'Maria',
  'Juan',
  'Jose',
  'Luis',
  'Ana',
  'Carlos',
  'Sofia',
  'Andres',
  'Laura',
  'Diego',
  'Camila',
  'Jorge',
];
const LAST = [
  'Garcia',
  'Rodriguez',
  'Martinez',
  'Lopez',
  'Gomez',
  'Perez',
  'Sanchez',
  'Ramirez',
  'Torres',
  'Diaz',
];
const DOMAINS = ['gmail.com', 'hotmail.com', 'yahoo.com', 'outlook.com', 'empresa.co'];
const JUNK_EMAILS = ['noemail@gmail.com', 'sincorreo@hotmail.com', 'correo@correo.com', 'na@na.com'];
const JUNK_PHONES_RAW = ['3000000000', '+57 311 111 1111'];
const JUNK_PHONES = ['+573000000000', '+573111111111'];

interface Person {
  id: string;
  first: string;
  last: string;
  email: string;
  /** national digits (CO) or a full foreign E.164 */
  phones: string[];
  foreign: boolean;
  household: boolean;
}

export function generateA(people: number, seed: number): Dataset {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)] as T;
  const ds: Dataset = {
    ghl: [],
    stripe: [],
    paypal: [],
    manychatCsv: 'id,first name,last name,email,phone\n',
    csv: 'ref,nombre,correo,telefono\n',
    truth: new Map(),
    households: [],
    twoPhones: [],
    junk: { emails: JUNK_EMAILS, phones: JUNK_PHONES },
  };
  const persons: Person[] = [];
  let phoneSeq = 0;
  const newPhone = () => {
    phoneSeq++;
    // 3xx + 7 digits, unique per call (a multiplicative walk over 10^7).
    return `3${String(10 + (phoneSeq % 40)).padStart(2, '0')}${String((phoneSeq * 7_654_321) % 10_000_000).padStart(7, '0')}`;
  };
  while (persons.length < people) {
    const n = persons.length;
    const first = pick(FIRST);
    const last = pick(LAST);
    const local = `${first}.${last}${n}`.toLowerCase();
    const base: Person = {
      id: `P${n}`,
      first,
      last,
      email: `${local}@${pick(DOMAINS)}`,
      phones: [newPhone()],
      foreign: false,
      household: false,
    };
    const roll = r();
    if (roll < 0.04 && persons.length + 2 <= people) {
      // Household: a second person with the same phone and an email of their own.
      const mate: Person = {
        ...base,
        id: `P${n + 1}`,
        first: pick(FIRST),
        email: `${pick(FIRST).toLowerCase()}${n + 1}@${pick(DOMAINS)}`,
        household: true,
      };
      persons.push({ ...base, household: true }, mate);
      ds.households.push([base.id, mate.id]);
      continue;
    }
    if (roll < 0.06 && persons.length + 2 <= people) {
      // Dotted gmail twins: different people.
      const twin: Person = {
        ...base,
        id: `P${n + 1}`,
        email: `${local.replace('.', '')}@gmail.com`,
        phones: [newPhone()],
      };
      persons.push({ ...base, email: `${local}@gmail.com` }, twin);
      continue;
    }
    if (roll < 0.08) {
      base.phones.push(newPhone());
      ds.twoPhones.push(base.id);
    } else if (roll < 0.12) {
      base.foreign = true;
      // Unique per person (only households share a phone on purpose).
      const digits = String(n).padStart(8, '0');
      base.phones = [
        pick([
          `+1 415 ${200 + (n % 700)} ${String(Math.floor(n / 700)).padStart(4, '0')}`,
          `+34 6${digits}`,
          `+52 55 ${digits}`,
        ]),
      ];
    }
    persons.push(base);
  }

  const noisyEmail = (e: string) => {
    const x = r();
    if (x < 0.2) return e.toUpperCase();
    if (x < 0.3) return ` ${e} `;
    if (x < 0.4) return `\u00a0${e.charAt(0).toUpperCase()}${e.slice(1)}`;
    return e;
  };
  const noisyPhone = (p: string, foreign: boolean) => {
    if (foreign) return p;
    const x = r();
    if (x < 0.25) return `+57 ${p.slice(0, 3)} ${p.slice(3, 6)} ${p.slice(6)}`;
    if (x < 0.5) return `57${p}`;
    if (x < 0.75) return p;
    return `(${p.slice(0, 3)}) ${p.slice(3, 6)}-${p.slice(6)}`;
  };
  /**
   * A person's records stay linkable: no record may end with only placeholders or with
   * identifiers none of the person's other records carry, or the ground truth would ask unify
   * to join records no rule can join without also joining different people (a placeholder email
   * next to a phone that only this record shows, beside a record with the email alone; an
   * email-less record whose phone another record lost to a placeholder). So each degradation
   * (email left out, a placeholder instead of the email or the phone) is drawn as before but
   * applied only while the person's records stay connected through genuine, noised identifiers.
   */
  const JUNK_RAW = new Set<string>([...JUNK_EMAILS, ...JUNK_PHONES_RAW]);
  type Draft = { email: string | null; phone: string | null };
  const linked = (recs: Draft[]) => {
    const keys = recs.map((d) =>
      [d.email, d.phone].filter((v): v is string => v !== null && !JUNK_RAW.has(v)),
    );
    if (keys.some((k) => k.length === 0)) return false;
    const reached = new Set(keys[0]);
    const done = new Set([0]);
    for (let grew = true; grew; ) {
      grew = false;
      keys.forEach((k, i) => {
        if (done.has(i) || !k.some((v) => reached.has(v))) return;
        done.add(i);
        for (const v of k) reached.add(v);
        grew = true;
      });
    }
    return done.size === recs.length;
  };
  let recSeq = 0;
  for (const p of persons) {
    const sources = ['ghl', 'stripe', 'paypal', 'manychat', 'csv'].filter(
      (_, i) => r() < [0.6, 0.35, 0.2, 0.3, 0.25][i]!,
    );
    if (sources.length === 0) sources.push('ghl');
    const special = p.household || p.phones.length > 1;
    if (p.phones.length > 1 && sources.length < 2) sources.push(sources[0] === 'ghl' ? 'csv' : 'ghl');
    // Every record starts with the person's email (so all are linked) and, mostly, a phone;
    // households and two-phone people are never degraded (their plants need both identifiers).
    const drafts: Draft[] = sources.map((_, i) => ({
      email: p.email,
      phone: r() < 0.8 || p.phones.length > 1 || i === 0 ? (p.phones[i % p.phones.length] as string) : null,
    }));
    const degrade = (i: number, change: Draft) => {
      const before = drafts[i] as Draft;
      drafts[i] = change;
      if (!linked(drafts)) drafts[i] = before;
    };
    for (let i = 0; i < drafts.length && !special; i++) {
      // Only a phone (the person's first), the email left out.
      if (i > 0 && sources.length > 1 && r() < 0.12)
        degrade(i, { email: null, phone: p.phones[0] as string });
      const cur = drafts[i] as Draft;
      // A placeholder typed instead of one identifier.
      const x = cur.email !== null && cur.phone !== null ? r() : 1;
      if (x < 0.03) degrade(i, { ...cur, email: pick(JUNK_EMAILS) });
      else if (x < 0.06) degrade(i, { ...cur, phone: pick(JUNK_PHONES_RAW) });
    }
    sources.forEach((src, i) => {
      recSeq++;
      const { email, phone: ph } = drafts[i] as Draft;
      const phoneOut = ph === null ? null : JUNK_RAW.has(ph) ? ph : noisyPhone(ph, p.foreign);
      const emailOut = email === null ? null : noisyEmail(email);
      const name = `${p.first} ${p.last}`;
      if (src === 'ghl') {
        const id = `ghlA${recSeq}`;
        ds.ghl.push({ id, email: emailOut, phone: phoneOut, firstName: p.first, lastName: p.last });
        ds.truth.set(`ghl:${id}`, p.id);
      } else if (src === 'stripe') {
        const id = `cus_A${recSeq}`;
        ds.stripe.push({
          id,
          object: 'customer',
          email: emailOut,
          phone: phoneOut,
          name,
          created: 1_700_000_000 + recSeq,
        });
        ds.truth.set(`stripe:${id}`, p.id);
      } else if (src === 'paypal') {
        const id = `PAYA${recSeq}`;
        // PayPal's payer phone is a country code plus national digits (a foreign one too).
        const foreign = ph?.match(/^\+(\d+) (.*)$/);
        const cc = foreign ? (foreign[1] as string) : '57';
        const national =
          ph && (foreign ? (foreign[2] as string) : ph).replace(/\D/g, '').replace(/^57(?=\d{10}$)/, '');
        ds.paypal.push({
          transaction_info: {
            transaction_id: `TXA${recSeq}`,
            transaction_initiation_date: new Date(Date.now() - (1 + (recSeq % 300)) * 86_400_000)
              .toISOString()
              .replace(/\.\d{3}Z$/, '+0000'),
            transaction_amount: { currency_code: 'USD', value: '10.00' },
            transaction_status: 'S',
          },
          payer_info: {
            account_id: id,
            email_address: emailOut,
            ...(national ? { phone_number: { country_code: cc, national_number: national } } : {}),
            payer_name: { given_name: p.first, surname: p.last },
          },
        });
        ds.truth.set(`paypal:${id}`, p.id);
      } else if (src === 'manychat') {
        const id = `9${String(recSeq).padStart(9, '0')}`;
        ds.manychatCsv += [id, p.first, p.last, emailOut, phoneOut].map(csvField).join(',') + '\n';
        ds.truth.set(`manychat:${id}`, p.id);
      } else {
        const ref = `A${recSeq}`;
        ds.csv += [ref, name, emailOut, phoneOut].map(csvField).join(',') + '\n';
        ds.truth.set(`csv:${ref}`, p.id);
      }
    });
  }
  return ds;
}
