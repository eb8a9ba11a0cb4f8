import { Writable } from 'node:stream';
import { createScrubber, redactUrl, SECRET_MASK, secretForms, secretValues } from '@cauce/base';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.ts';

const SECRET = 'tok-3f9a/+é"secret';

describe('secretValues', () => {
  it('takes credential-named variables (strings and lists) and URL passwords, nothing else', () => {
    expect(
      secretValues({
        JWT_SECRET: 'j'.repeat(32),
        BEDS24_WEBHOOK_TOKEN: 'beds24-token',
        STRIPE_WEBHOOK_SECRETS: ['whsec_one', 'whsec_two'],
        ORDERS_API_KEYS: ['orders-key-1'],
        SIIGO_USERNAME: 'api@example.co',
        PAYPAL_CLIENT_ID: 'paypal-client',
        DATABASE_URL: 'postgresql://cauce:pg%40pass@db:5432/cauce',
        REDIS_URL: 'redis://127.0.0.1:6379',
        GHL_WEBHOOK_PUBLIC_KEYS: ['MCowBQYDK2VwAyEA'],
        BEDS24_TOKEN_REFRESH_MARGIN_MS: 600000,
        GHL_LOCATION_ID: 'location-1',
        MANYCHAT_API_KEY: 'short',
      }).sort(),
    ).toEqual(
      [
        'j'.repeat(32),
        'beds24-token',
        'whsec_one',
        'whsec_two',
        'orders-key-1',
        'api@example.co',
        'paypal-client',
        'pg@pass',
      ].sort(),
    );
  });
});

describe('redactUrl', () => {
  it('masks webhook path tokens and secret query values, keeps the rest', () => {
    expect(redactUrl('/api/webhooks/siigo/abc123?x=1')).toBe(`/api/webhooks/siigo/${SECRET_MASK}?x=1`);
    expect(redactUrl('https://h/api/webhooks/receive/abc')).toBe(
      `https://h/api/webhooks/receive/${SECRET_MASK}`,
    );
    for (const p of ['beds24', 'manychat'])
      expect(redactUrl(`POST:/api/webhooks/${p}/t0k3n not found`)).toBe(
        `POST:/api/webhooks/${p}/${SECRET_MASK} not found`,
      );
    expect(redactUrl('/api/x?token=eyJ.a.b&page=2&access_key=k')).toBe(
      `/api/x?token=${SECRET_MASK}&page=2&access_key=${SECRET_MASK}`,
    );
    for (const kept of ['/api/webhooks/siigo', '/api/webhooks/receive', '/api/orders?limit=5&status=failed'])
      expect(redactUrl(kept)).toBe(kept);
  });
});

describe('createScrubber', () => {
  it('masks every form of every secret, JWTs and URL tokens', () => {
    const scrub = createScrubber([SECRET, 'x']);
    for (const form of secretForms(SECRET)) expect(scrub(`a ${form} b`)).toBe(`a ${SECRET_MASK} b`);
    expect(scrub('jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln end')).toBe(`jwt ${SECRET_MASK} end`);
    // Too short to be a secret: left alone rather than masking every "x".
    expect(scrub('x marks')).toBe('x marks');
  });
});

describe('createLogger with secrets', () => {
  it('masks configured secrets, path tokens and JWTs in every line, whatever field holds them', () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const log = createLogger('test', 'debug', { secrets: [SECRET] }, stream);
    log.info({ req: { url: '/api/webhooks/beds24/anything-else' } }, 'incoming request');
    log.error({ err: new Error(`rejected ${SECRET}`) }, `with ${encodeURIComponent(SECRET)}`);
    log.debug({ nested: { deep: [Buffer.from(SECRET).toString('base64')] } }, 'payload');
    const all = lines.join('');
    for (const form of secretForms(SECRET)) expect(all).not.toContain(form);
    expect(all).not.toContain('anything-else');
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual([
      'incoming request',
      `with ${SECRET_MASK}`,
      'payload',
    ]);
  });
});
