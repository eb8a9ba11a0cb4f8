import { generateKeyPairSync, sign } from 'node:crypto';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { parsePublicKey, verifyGhlSignature } from '../src/ghl/webhook.ts';
import { signStripePayload, verifyStripeSignature } from '../src/stripe/webhook.ts';
import { secretEquals, secretMatchesAny } from '../src/webhook-auth.ts';

describe('secretEquals', () => {
  it('compares any lengths in constant time and never matches a missing value', () => {
    expect(secretEquals('abc', 'abc')).toBe(true);
    expect(secretEquals('abc', 'abcd')).toBe(false);
    expect(secretEquals('', 'abc')).toBe(false);
    expect(secretEquals(undefined, 'abc')).toBe(false);
    expect(secretMatchesAny('b', ['a', 'b'])).toBe(true);
    expect(secretMatchesAny('c', ['a', 'b'])).toBe(false);
  });
});

describe('verifyStripeSignature', () => {
  const raw = Buffer.from('{"id":"evt_1","object":"event"}');
  it('accepts the current and the rotated secret, refuses tampering, stale and missing signatures', () => {
    const header = signStripePayload(raw.toString(), 'whsec_new');
    expect(verifyStripeSignature(raw, header, ['whsec_old', 'whsec_new'])).toEqual({ ok: true });
    expect(verifyStripeSignature(raw, header, ['whsec_other']).ok).toBe(false);
    expect(verifyStripeSignature(Buffer.from(`${raw} `), header, ['whsec_new']).ok).toBe(false);
    const stale = signStripePayload(raw.toString(), 'whsec_new', Math.floor(Date.now() / 1000) - 400);
    expect(verifyStripeSignature(raw, stale, ['whsec_new'])).toMatchObject({ ok: false });
    expect(verifyStripeSignature(raw, undefined, ['whsec_new'])).toEqual({
      ok: false,
      reason: 'missing Stripe-Signature header',
    });
    expect(verifyStripeSignature(raw, header, []).ok).toBe(false);
  });

  it('agrees with the official library both ways, and refuses malformed or far-future headers', () => {
    const official = Stripe.webhooks;
    const theirs = official.generateTestHeaderString({ payload: raw.toString(), secret: 'whsec_x' });
    expect(verifyStripeSignature(raw, theirs, ['whsec_x'])).toEqual({ ok: true });
    const ours = signStripePayload(raw.toString(), 'whsec_x');
    expect(() => official.signature!.verifyHeader(raw, ours, 'whsec_x', 300)).not.toThrow();
    // A header with several v1 values (Stripe sends one per active secret) and a v0.
    const t = Math.floor(Date.now() / 1000);
    const v1 = signStripePayload(raw.toString(), 'whsec_x', t).split(',')[1]!;
    const multi = `t=${t},v1=${'0'.repeat(64)},${v1},v0=abc`;
    expect(verifyStripeSignature(raw, multi, ['whsec_x'])).toEqual({ ok: true });
    for (const bad of ['', 't=', 'v1=abc', `t=${t}`, `t=x,v1=${'a'.repeat(64)}`, 'garbage'])
      expect(verifyStripeSignature(raw, bad, ['whsec_x']).ok, bad).toBe(false);
    const future = signStripePayload(raw.toString(), 'whsec_x', t + 3600);
    expect(verifyStripeSignature(raw, future, ['whsec_x'])).toMatchObject({ ok: false });
  });
});

describe('verifyGhlSignature', () => {
  const raw = Buffer.from('{"type":"ContactCreate","id":"c1"}');
  const ed = generateKeyPairSync('ed25519');
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const spki = (k: typeof ed.publicKey) => k.export({ type: 'spki', format: 'der' }).toString('base64');
  const keys = { ed25519: [parsePublicKey(spki(ed.publicKey))], rsa: [parsePublicKey(spki(rsa.publicKey))] };

  it('verifies Ed25519 first, falls back to legacy RSA only without an Ed25519 header', () => {
    const edSig = sign(null, raw, ed.privateKey).toString('base64');
    const rsaSig = sign('sha256', raw, rsa.privateKey).toString('base64');
    expect(verifyGhlSignature(raw, edSig, undefined, keys)).toEqual({ ok: true });
    expect(verifyGhlSignature(raw, undefined, rsaSig, keys)).toEqual({ ok: true });
    // A bad Ed25519 signature is not rescued by a good legacy one.
    expect(verifyGhlSignature(raw, rsaSig, rsaSig, keys).ok).toBe(false);
    expect(verifyGhlSignature(Buffer.from(`${raw}x`), edSig, undefined, keys).ok).toBe(false);
    expect(verifyGhlSignature(raw, undefined, undefined, keys).ok).toBe(false);
    expect(verifyGhlSignature(raw, 'not base64 at all', undefined, keys).ok).toBe(false);
  });

  it('reads PEM keys with escaped newlines as they come from an env file', () => {
    const pem = (ed.publicKey.export({ type: 'spki', format: 'pem' }) as string).replace(/\n/g, '\\n');
    expect(parsePublicKey(pem).asymmetricKeyType).toBe('ed25519');
  });
});
