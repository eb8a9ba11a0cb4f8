import { csvField, type Dataset } from './dataset.ts';

/**
 * Generator B, written apart from A: it first builds the whole population as columns (typed
 * arrays of attributes), then makes one pass per source deciding membership by a hash of
 * (seed, person, source). Other proportions, name lists, domains, placeholders and noise than A.
 */

/** xorshift32 over a hash of the inputs: the same (seed, a, b) always gives the same number. */
function h(seed: number, a: number, b: number): number {
  let x = (seed ^ Math.imul(a + 1, 0x9e3779b1) ^ Math.imul(b + 7, 0x85ebca6b)) >>> 0 || 1;
  for (let i = 0; i < 3; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
  }
  return x / 4294967296;
}

const NAMES = ['Valentina', 'Santiago', 'Isabella', 'Mateo', 'Daniela', 'Sebastian', 'Paula', 'Felipe'];
const SURNAMES = ['Hernandez', 'Castro', 'Vargas', 'Rojas', 'Moreno', 'Ortiz', 'Jimenez'];
const HOSTS = ['gmail.com', 'hotmail.es', 'live.com', 'icloud.com', 'une.net.co', 'gmail.com'];
const PLACEHOLDER_EMAILS = ['sinemail@gmail.com', 'notiene@correo.com', 'prueba@prueba.com', 'xxx@gmail.com'];
const PLACEHOLDER_PHONES = [
  { raw: '(300) 000-0000', e164: '+573000000000' },
  { raw: '320 222 2222', e164: '+573202222222' },
  { raw: '+57 3001234567', e164: '+573001234567' },
];

enum Kind {
  Plain = 0,
  HouseholdHead = 1,
  HouseholdMate = 2,
  TwoPhones = 3,
  DottedTwin = 4,
  Foreign = 5,
}

export function generateB(people: number, seed: number): Dataset {
  const kind = new Uint8Array(people);
  const phoneA = new Array<string>(people);
  const phoneB = new Array<string | null>(people).fill(null);
  const email = new Array<string>(people);
  const name = new Array<string>(people);
  for (let i = 0; i < people; i++) {
    const u = h(seed, i, 0);
    const given = NAMES[Math.floor(h(seed, i, 1) * NAMES.length)] as string;
    const family = SURNAMES[Math.floor(h(seed, i, 2) * SURNAMES.length)] as string;
    name[i] = `${given} ${family}`;
    email[i] = `${given.slice(0, 1)}${family}.${i.toString(36)}@${HOSTS[i % HOSTS.length]}`.toLowerCase();
    // 10 national digits 31x/32x…, unique: the index spread over 10^7 by an odd multiplier.
    phoneA[i] = `3${1 + (i % 3)}${i % 10}${String((i * 2_654_435 + 17) % 10_000_000).padStart(7, '0')}`;
    if (u < 0.03 && i + 1 < people) {
      kind[i] = Kind.HouseholdHead;
    } else if (i > 0 && kind[i - 1] === Kind.HouseholdHead) {
      kind[i] = Kind.HouseholdMate;
      phoneA[i] = phoneA[i - 1] as string;
    } else if (u < 0.06) {
      kind[i] = Kind.TwoPhones;
      phoneB[i] = `35${i % 10}${String((i * 3_111_111 + 5) % 10_000_000).padStart(7, '0')}`;
    } else if (u < 0.08 && i > 0 && kind[i - 1] === Kind.Plain && email[i - 1]!.endsWith('@gmail.com')) {
      // Same letters as the previous gmail user, with a dot: a different person.
      kind[i] = Kind.DottedTwin;
      const prev = email[i - 1] as string;
      const at = prev.indexOf('@');
      email[i] = `${prev.slice(0, 1)}.${prev.slice(1, at)}@gmail.com`;
    } else if (u < 0.11) {
      kind[i] = Kind.Foreign;
      phoneA[i] = `+44 7700 9${String(i % 100000).padStart(5, '0')}`;
    }
  }

  const out: Dataset = {
    ghl: [],
    stripe: [],
    paypal: [],
    manychatCsv: 'id,first name,last name,email,phone\n',
    csv: 'ref,nombre,correo,telefono\n',
    truth: new Map(),
    households: [],
    twoPhones: [],
    junk: { emails: PLACEHOLDER_EMAILS, phones: PLACEHOLDER_PHONES.map((p) => p.e164) },
  };
  for (let i = 0; i < people; i++) {
    if (kind[i] === Kind.HouseholdMate) out.households.push([`B${i - 1}`, `B${i}`]);
    if (kind[i] === Kind.TwoPhones) out.twoPhones.push(`B${i}`);
  }

  const styleEmail = (e: string, i: number, s: number) => {
    const v = h(seed, i, 40 + s);
    if (v < 0.15)
      return e
        .replace(/^./, (c) => c.toUpperCase())
        .replace('@', '@')
        .toUpperCase();
    if (v < 0.25) return `${e}\u00a0`;
    if (v < 0.32) return `  ${e}`;
    return e;
  };
  const stylePhone = (p: string, i: number, s: number) => {
    if (p.startsWith('+')) return p;
    const v = Math.floor(h(seed, i, 50 + s) * 4);
    return [
      `+57 ${p.slice(0, 3)} ${p.slice(3, 6)} ${p.slice(6)}`,
      `57${p}`,
      p,
      `(${p.slice(0, 3)}) ${p.slice(3, 6)}-${p.slice(6)}`,
    ][v] as string;
  };

  // Membership per source; person i is in source s when the hash says so (GHL for nobody-else).
  const SOURCES = ['csv', 'manychat', 'paypal', 'stripe', 'ghl'] as const;
  const RATE = { csv: 0.3, manychat: 0.35, paypal: 0.25, stripe: 0.3, ghl: 0.5 };
  const member = (i: number, s: number) => {
    const src = SOURCES[s] as (typeof SOURCES)[number];
    if (h(seed, i, 10 + s) < RATE[src]) return true;
    if (src !== 'ghl') return false;
    // nobody is nowhere; a two-phone person is somewhere twice
    const others = [0, 1, 2, 3].filter(
      (k) => h(seed, i, 10 + k) < RATE[SOURCES[k] as (typeof SOURCES)[number]],
    ).length;
    return others === 0 || (kind[i] === Kind.TwoPhones && others < 2);
  };
  for (let s = 0; s < SOURCES.length; s++) {
    const src = SOURCES[s] as (typeof SOURCES)[number];
    let slot = 0;
    for (let i = 0; i < people; i++) {
      if (!member(i, s)) continue;
      slot++;
      const k = kind[i] as Kind;
      const careful = k === Kind.HouseholdHead || k === Kind.HouseholdMate || k === Kind.TwoPhones;
      const v = h(seed, i, 60 + s);
      // Which identifiers this record shows: both (most), email only, or phone only (plain people,
      // whose email+phone appear together in GHL when they are there).
      let e: string | null = email[i] as string;
      let p: string | null =
        k === Kind.TwoPhones && s % 2 === 0 && phoneB[i] ? (phoneB[i] as string) : (phoneA[i] as string);
      if (!careful && src !== 'ghl' && v < 0.15) p = null;
      else if (!careful && src !== 'ghl' && v < 0.22 && member(i, 4)) e = null;
      let eOut = e ? styleEmail(e, i, s) : null;
      let pOut = p ? stylePhone(p, i, s) : null;
      const w = h(seed, i, 70 + s);
      if (!careful && eOut && pOut && w < 0.025)
        eOut = PLACEHOLDER_EMAILS[i % PLACEHOLDER_EMAILS.length] as string;
      else if (!careful && eOut && pOut && w < 0.05)
        pOut = (PLACEHOLDER_PHONES[i % 3] as { raw: string }).raw;
      const [first, last] = (name[i] as string).split(' ') as [string, string];
      const person = `B${i}`;
      switch (src) {
        case 'ghl': {
          const id = `gB${s}x${i}`;
          out.ghl.push({ id, email: eOut, phone: pOut, name: name[i] });
          out.truth.set(`ghl:${id}`, person);
          break;
        }
        case 'stripe': {
          const id = `cus_B${i}`;
          out.stripe.push({
            id,
            object: 'customer',
            email: eOut,
            phone: pOut,
            name: name[i],
            created: 1_710_000_000 + slot,
          });
          out.truth.set(`stripe:${id}`, person);
          break;
        }
        case 'paypal': {
          const id = `PB${i.toString(36).toUpperCase()}`;
          const national =
            pOut && !pOut.startsWith('+') ? pOut.replace(/\D/g, '').replace(/^57(?=3\d{9}$)/, '') : null;
          out.paypal.push({
            transaction_info: {
              transaction_id: `TB${i}`,
              transaction_initiation_date: new Date(Date.now() - (2 + (i % 200)) * 86_400_000)
                .toISOString()
                .replace(/\.\d{3}Z$/, '+0000'),
              transaction_amount: { currency_code: 'COP', value: '50000.00' },
              transaction_status: 'S',
            },
            payer_info: {
              account_id: id,
              ...(eOut ? { email_address: eOut } : {}),
              ...(national ? { phone_number: { country_code: '57', national_number: national } } : {}),
              payer_name: { alternate_full_name: name[i] },
            },
          });
          out.truth.set(`paypal:${id}`, person);
          break;
        }
        case 'manychat': {
          const id = String(5_000_000_000 + i);
          out.manychatCsv += `${[id, first, last, eOut, pOut].map(csvField).join(',')}\n`;
          out.truth.set(`manychat:${id}`, person);
          break;
        }
        case 'csv': {
          const ref = `b${i}`;
          out.csv += `${[ref, name[i], eOut, pOut].map(csvField).join(',')}\n`;
          out.truth.set(`csv:${ref}`, person);
          break;
        }
      }
    }
  }
  return out;
}
