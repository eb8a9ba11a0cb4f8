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
  let recSeq = 0;
  for (const p of persons) {
    const sources = ['ghl', 'stripe', 'paypal', 'manychat', 'csv'].filter(
      (_, i) => r() < [0.6, 0.35, 0.2, 0.3, 0.25][i]!,
    );
    if (sources.length === 0) sources.push('ghl');
    const special = p.household || p.phones.length > 1;
    if (p.phones.length > 1 && sources.length < 2) sources.push(sources[0] === 'ghl' ? 'csv' : 'ghl');
    sources.forEach((src, i) => {
      recSeq++;
      // Every record carries the person's email, or (never for a household) only a phone; a person
      // whose records lack the email somewhere has it with a phone in another, so links exist.
      const phone = p.phones[i % p.phones.length] as string;
      let email: string | null = p.email;
      let ph: string | null = r() < 0.8 || p.phones.length > 1 ? phone : null;
      if (!special && i > 0 && r() < 0.12 && sources.length > 1) {
        email = null;
        ph = p.phones[0] as string;
      }
      if (i === 0 && ph === null) ph = phone;
      // A placeholder typed instead of one identifier (the other one still links the record).
      const junkEmail = !special && email !== null && ph !== null && r() < 0.03;
      if (junkEmail) email = pick(JUNK_EMAILS);
      let phoneOut = ph ? noisyPhone(ph, p.foreign) : null;
      if (!special && !junkEmail && phoneOut && email && r() < 0.03) phoneOut = pick(JUNK_PHONES_RAW);
      const emailOut = email ? noisyEmail(email) : null;
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
        const national = phoneOut && !p.foreign ? ph : null;
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
            ...(national ? { phone_number: { country_code: '57', national_number: national } } : {}),
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
