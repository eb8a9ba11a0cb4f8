import { parseConfig } from '@cauce/runtime';
import { setupTestEnv } from '@cauce/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { ingressEnv, trustProxy } from '../src/config.ts';
import { JWT_SECRET, startIngress } from './support.ts';

/**
 * TRUST_PROXY decides which address a request is counted under by the rate limits: behind one
 * load balancer each client gets its own bucket, and a client cannot choose its bucket by
 * sending its own X-Forwarded-For.
 */
const env = await setupTestEnv();
// A slow counter fails open (the request goes through uncounted): not what these tests are about.
const LIMITS = {
  RATE_LIMIT_ADMIN_MAX: '2',
  RATE_LIMIT_ADMIN_WINDOW_MS: '60000',
  RATE_LIMIT_REDIS_TIMEOUT_MS: '10000',
};
const started: Array<Awaited<ReturnType<typeof startIngress>>> = [];
afterAll(async () => {
  for (const i of started) await i.close();
});

const LB = '10.0.0.5';
const ALICE = '203.0.113.7';
const BOB = '198.51.100.9';

async function ingressWith(value: string, prefix: string) {
  // Each case its own Redis namespace, so their counters never meet.
  const i = await startIngress(env, {
    ...LIMITS,
    TRUST_PROXY: value,
    QUEUE_PREFIX: `${env.prefix}-${prefix}`,
  });
  started.push(i);
  // A cheap route under /api/admin/ (admin limit), answered without touching the database.
  const probe = (remoteAddress: string, xff?: string) =>
    i.app
      .inject({
        method: 'GET',
        url: '/api/admin/failures?limit=1',
        remoteAddress,
        headers: { authorization: `Bearer ${i.viewer}`, ...(xff ? { 'x-forwarded-for': xff } : {}) },
      })
      .then((r) => r.statusCode);
  return probe;
}

describe('TRUST_PROXY', () => {
  it('parses like Fastify trustProxy: booleans, a hop count, or addresses and CIDRs', () => {
    const parse = (v: string) => trustProxy.parse(v);
    expect(parse('false')).toBe(false);
    expect(parse('')).toBe(false);
    expect(parse('true')).toBe(true);
    expect(parse('1')).toBe(1);
    expect(parse('2')).toBe(2);
    expect(parse('10.0.0.0/8, 192.168.1.7,::1,fd00::/8,loopback')).toEqual([
      '10.0.0.0/8',
      '192.168.1.7',
      '::1',
      'fd00::/8',
      'loopback',
    ]);
    for (const bad of ['10.0.0.0/33', 'example.com', '1.2.3', '10.0.0.0/8/1', 'on'])
      expect(trustProxy.safeParse(bad).success, bad).toBe(false);
    const config = (v?: string) =>
      parseConfig(ingressEnv, { ...env.env, JWT_SECRET, ...(v === undefined ? {} : { TRUST_PROXY: v }) });
    expect(config().TRUST_PROXY).toBe(false);
    expect(config('1').TRUST_PROXY).toBe(1);
  });

  it('behind one load balancer (TRUST_PROXY=1), two clients get separate buckets', async () => {
    const probe = await ingressWith('1', 'hop');
    // The balancer connects from LB and appends the address it saw.
    expect(await probe(LB, ALICE)).toBe(200);
    expect(await probe(LB, ALICE)).toBe(200);
    expect(await probe(LB, ALICE)).toBe(429);
    expect(await probe(LB, BOB)).toBe(200);
    // What a client wrote itself before the balancer's entry does not make a new bucket.
    expect(await probe(LB, `1.1.1.1, ${ALICE}`)).toBe(429);
    expect(await probe(LB, `2.2.2.2, ${ALICE}`)).toBe(429);
  });

  it('with the proxy CIDR, a client connecting directly cannot choose its bucket with X-Forwarded-For', async () => {
    const probe = await ingressWith('10.0.0.0/24', 'cidr');
    expect(await probe(ALICE, '1.1.1.1')).toBe(200);
    expect(await probe(ALICE, '2.2.2.2')).toBe(200);
    expect(await probe(ALICE, '3.3.3.3')).toBe(429);
    expect(await probe(ALICE)).toBe(429);
    // Through the trusted proxy, the client address is read from the header.
    expect(await probe(LB, BOB)).toBe(200);
  });

  it('by default X-Forwarded-For is ignored: behind a balancer every client shares its bucket', async () => {
    const probe = await ingressWith('false', 'off');
    expect(await probe(LB, ALICE)).toBe(200);
    expect(await probe(LB, BOB)).toBe(200);
    expect(await probe(LB, '9.9.9.9')).toBe(429);
  });
});
