import { describe, expect, it } from 'vitest';
import { pickLang, safeNext } from '../src/routes/admin/login.ts';

describe('login page language (Accept-Language)', () => {
  it('is Spanish unless English ranks above Spanish', () => {
    expect(pickLang(undefined)).toBe('es');
    expect(pickLang('')).toBe('es');
    expect(pickLang('fr-FR,fr;q=0.9')).toBe('es');
    expect(pickLang('es-CO,es;q=0.9,en;q=0.8')).toBe('es');
    expect(pickLang('en-US,en;q=0.9')).toBe('en');
    expect(pickLang('en;q=0.5,es;q=0.7')).toBe('es');
    expect(pickLang('es;q=0.2,en;q=0.7')).toBe('en');
    expect(pickLang('de,en;q=0.3')).toBe('en');
    expect(pickLang('en;q=0,es;q=0.1')).toBe('es');
  });

  it('only follows a login to a local path', () => {
    expect(safeNext('/admin/sync')).toBe('/admin/sync');
    expect(safeNext('//evil.example/x')).toBe('/api/admin/queues/ui');
    expect(safeNext('https://evil.example')).toBe('/api/admin/queues/ui');
    expect(safeNext('/\\evil.example')).toBe('/api/admin/queues/ui');
  });
});
