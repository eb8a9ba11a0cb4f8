/**
 * Numbers, money, dates and times in the operator's locale (es-CO unless the browser names a
 * regional locale of Spanish or English), times in the browser's time zone. One place, so every
 * page writes `$ 159.900` and dd/mm/yyyy the same way.
 */
export const DEFAULT_LOCALE = 'es-CO';

/** The browser's first regional es-/en- locale (es-MX, en-GB…), else es-CO. */
export function pickLocale(languages: readonly string[]): string {
  const regional = languages.find((l) => /^(es|en)-[A-Za-z]{2}$/.test(l));
  return regional ?? DEFAULT_LOCALE;
}

export interface Formatter {
  locale: string;
  number(n: number | null | undefined, digits?: number): string;
  /** Colombian pesos by default: `$ 159.900` (no decimals). */
  money(n: number | null | undefined, currency?: string): string;
  /** dd/mm/yyyy in es-CO. */
  date(d: Date | string | null | undefined): string;
  /** dd/mm/yyyy, hh:mm:ss in the browser's time zone. */
  dateTime(d: Date | string | null | undefined): string;
  time(d: Date | string | null | undefined): string;
  /** A duration in ms as "3 min", "2 h 5 min", "45 s". */
  duration(ms: number | null | undefined): string;
}

const toDate = (d: Date | string | null | undefined) =>
  d == null ? null : d instanceof Date ? d : new Date(d);
const dash = '—';

export function formatter(locale: string = DEFAULT_LOCALE, timeZone?: string): Formatter {
  const zone = timeZone ? { timeZone } : {};
  const num = new Intl.NumberFormat(locale);
  const dateF = new Intl.DateTimeFormat(locale, {
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
    ...zone,
  });
  const timeF = new Intl.DateTimeFormat(locale, {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    ...zone,
  });
  const moneyF = new Map<string, Intl.NumberFormat>();
  const valid = (d: Date | null): d is Date => d !== null && !Number.isNaN(d.getTime());
  return {
    locale,
    number: (n, digits) =>
      n == null || Number.isNaN(n)
        ? dash
        : digits === undefined
          ? num.format(n)
          : new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(n),
    money(n, currency = 'COP') {
      if (n == null || Number.isNaN(n)) return dash;
      let f = moneyF.get(currency);
      if (!f) {
        f = new Intl.NumberFormat(locale, {
          style: 'currency',
          currency,
          maximumFractionDigits: currency === 'COP' ? 0 : 2,
        });
        moneyF.set(currency, f);
      }
      return f.format(n);
    },
    date: (d) => {
      const v = toDate(d);
      return valid(v) ? dateF.format(v) : dash;
    },
    dateTime: (d) => {
      const v = toDate(d);
      return valid(v) ? `${dateF.format(v)} ${timeF.format(v)}` : dash;
    },
    time: (d) => {
      const v = toDate(d);
      return valid(v) ? timeF.format(v) : dash;
    },
    duration(ms) {
      if (ms == null || Number.isNaN(ms)) return dash;
      const s = Math.max(0, Math.round(ms / 1000));
      if (s < 60) return `${s} s`;
      const m = Math.floor(s / 60);
      if (m < 60) return `${m} min`;
      const h = Math.floor(m / 60);
      if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
      return `${Math.floor(h / 24)} d`;
    },
  };
}
