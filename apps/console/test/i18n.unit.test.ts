import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { en } from '../src/i18n/en/index.ts';
import { es } from '../src/i18n/es/index.ts';

/**
 * The Spanish and English texts have exactly the same keys (the types say so too: en files are
 * `Messages<typeof es>`), none is empty, placeholders match, and every key the code names in a
 * `t('…')` call exists.
 */
const SRC = new URL('../src/', import.meta.url).pathname;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sourceFiles(p) : /\.tsx?$/.test(f) ? [p] : [];
  });
}

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('console texts', () => {
  it('Spanish and English have the same keys', () => {
    const esKeys = Object.keys(es).sort();
    const enKeys = Object.keys(en).sort();
    expect(
      enKeys.filter((k) => !esKeys.includes(k)),
      'in English only',
    ).toEqual([]);
    expect(
      esKeys.filter((k) => !enKeys.includes(k)),
      'missing in English',
    ).toEqual([]);
    expect(esKeys.length).toBeGreaterThan(50);
  });

  it('no text is empty and both languages fill the same placeholders', () => {
    for (const [key, text] of Object.entries(es)) {
      const other = (en as Record<string, string>)[key] ?? '';
      expect(text.trim(), key).not.toBe('');
      expect(other.trim(), key).not.toBe('');
      expect(placeholders(other), key).toEqual(placeholders(text));
    }
  });

  it("every key named in the code's t('…') calls exists", () => {
    const used = new Set<string>();
    for (const file of sourceFiles(SRC))
      for (const m of readFileSync(file, 'utf8').matchAll(/\bt\(\s*'([\w.]+)'/g)) used.add(m[1]!);
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((k) => !(k in es))).toEqual([]);
  });

  it('each page namespace has its own keys, reserved for the page that fills it', () => {
    for (const ns of ['overview', 'orders', 'bookings', 'stock', 'clients', 'whatsapp', 'failures', 'sync'])
      expect(Object.keys(es), ns).toContain(`${ns}.title`);
  });
});
