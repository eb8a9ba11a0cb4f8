import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ensureSettingsFile,
  GENERATED_SECRETS,
  readSettingsFile,
  simSettingsPath,
  withLocalSettings,
  writeSimSettings,
} from '../src/local-settings.ts';

/** The stack's settings file: generated once, private, reused, and the environment always wins. */
const fresh = () => join(mkdtempSync(join(tmpdir(), 'cauce-settings-')), 'private', 'local.env');

describe('local settings file', () => {
  it('is created on first use with every secret, mode 0600 in a 0700 directory', () => {
    const file = fresh();
    const env = { CAUCE_SETTINGS_FILE: file };
    const first = ensureSettingsFile(env);
    expect(first.generated.sort()).toEqual(Object.keys(GENERATED_SECRETS).sort());
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(file, '..')).mode & 0o777).toBe(0o700);
    expect(first.values.JWT_SECRET!.length).toBeGreaterThanOrEqual(32);
    expect(first.values.STRIPE_WEBHOOK_SECRETS).toMatch(/^whsec_/);
    expect(readSettingsFile(file)).toEqual(first.values);
  });

  it('is reused as is by later runs, and rotate replaces every secret', () => {
    const file = fresh();
    const env = { CAUCE_SETTINGS_FILE: file };
    const first = ensureSettingsFile(env);
    const before = readFileSync(file, 'utf8');
    const second = ensureSettingsFile(env);
    expect(second.generated).toEqual([]);
    expect(second.values).toEqual(first.values);
    expect(readFileSync(file, 'utf8')).toBe(before);
    const rotated = ensureSettingsFile(env, { rotate: true });
    for (const k of Object.keys(GENERATED_SECRETS)) expect(rotated.values[k]).not.toBe(first.values[k]);
    expect(readSettingsFile(file)).toEqual(rotated.values);
  });

  it('adds only what is missing and keeps other lines; a secret set in the environment is not generated', () => {
    const file = fresh();
    ensureSettingsFile({ CAUCE_SETTINGS_FILE: file });
    writeFileSync(file, 'SIIGO_COMPANY_KEY=mine\nJWT_SECRET=kept-secret-of-at-least-32-characters\n');
    const res = ensureSettingsFile({ CAUCE_SETTINGS_FILE: file, BEDS24_WEBHOOK_TOKEN: 'from-env' });
    expect(res.values).toMatchObject({
      SIIGO_COMPANY_KEY: 'mine',
      JWT_SECRET: 'kept-secret-of-at-least-32-characters',
    });
    expect(res.values.BEDS24_WEBHOOK_TOKEN).toBeUndefined();
    expect(res.generated).not.toContain('JWT_SECRET');
  });

  it('withLocalSettings: environment over file over provider-sim over local defaults', () => {
    const file = fresh();
    const env = { CAUCE_SETTINGS_FILE: file };
    const { values } = ensureSettingsFile(env);
    writeSimSettings(env, {
      BEDS24_BASE_URL: 'http://127.0.0.1:4010/beds24/v2',
      JWT_SECRET: 'sim-never-wins',
    });
    const merged = withLocalSettings({ ...env, BEDS24_WEBHOOK_TOKEN: 'typed', ORDERS_API_KEYS: '' });
    expect(merged).toMatchObject({
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/cauce',
      REDIS_URL: 'redis://127.0.0.1:6379',
      JWT_SECRET: values.JWT_SECRET,
      BEDS24_WEBHOOK_TOKEN: 'typed',
      // An empty variable counts as unset, as in the apps' schemas.
      ORDERS_API_KEYS: values.ORDERS_API_KEYS,
      BEDS24_BASE_URL: 'http://127.0.0.1:4010/beds24/v2',
    });
    writeSimSettings(env, null);
    expect(withLocalSettings(env).BEDS24_BASE_URL).toBeUndefined();
    expect(simSettingsPath(env)).toBe(file.replace(/\.env$/, '.sim.env'));
    // Production: no local defaults (a missing DATABASE_URL must stop the tool, not guess).
    expect(
      withLocalSettings({ CAUCE_SETTINGS_FILE: '/nonexistent', NODE_ENV: 'production' }).DATABASE_URL,
    ).toBeUndefined();
  });
});
