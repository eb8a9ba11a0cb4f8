import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { SimContext, SimProvider } from '../server.ts';

/**
 * Fake PayPal REST under /paypal: POST /v1/oauth2/token (client credentials, Basic auth) and
 * GET /v1/reporting/transactions (31-day windows at most, page/page_size up to 500, RFC 3339
 * dates with seconds). Transactions are added through POST /__sim/paypal/transactions.
 */
export const PAYPAL_SIM_CREDENTIALS = { clientId: 'sim-client', clientSecret: 'sim-secret' };
const MAX_WINDOW_MS = 31 * 24 * 3600 * 1000;

interface PaypalState {
  transactions: Array<
    Record<string, unknown> & { transaction_info: { transaction_initiation_date: string } }
  >;
  tokens: Set<string>;
  tokenRequests: number;
}

const searchQuery = z.object({
  start_date: z.string().regex(/T\d{2}:\d{2}:\d{2}/, 'RFC 3339 with seconds'),
  end_date: z.string().regex(/T\d{2}:\d{2}:\d{2}/, 'RFC 3339 with seconds'),
  page_size: z.coerce.number().int().min(1).max(500).default(100),
  page: z.coerce.number().int().min(1).default(1),
  fields: z.string().optional(),
});

const txTime = (d: string) => Date.parse(d.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));

/** The simulator's webhook-signing certificate (self-signed, 100 years; simulator only). */
export const PAYPAL_SIM_CERT_PATH = '/paypal/v1/notifications/certs/CERT-sim';
const FIXTURES = new URL('../../fixtures/', import.meta.url);
export const paypalSimSigningKey = () => readFileSync(new URL('paypal-sim.key', FIXTURES), 'utf8');

const paypal: SimProvider = (app, ctx: SimContext) => {
  const cert = readFileSync(new URL('paypal-sim.pem', FIXTURES), 'utf8');
  app.get(PAYPAL_SIM_CERT_PATH, async (_req, reply) => reply.type('application/x-pem-file').send(cert));

  const fresh = (): PaypalState => ({ transactions: [], tokens: new Set(), tokenRequests: 0 });
  ctx.state.paypal = fresh();
  const st = () => ctx.state.paypal as PaypalState;
  ctx.resetters.push(() => {
    ctx.state.paypal = fresh();
  });

  // PayPal's token endpoint takes a form body; the parser stays inside this plugin's scope.
  app.register(async (scope) => {
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string' },
      (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
    );
    scope.post('/paypal/v1/oauth2/token', async (req, reply) => {
      if ((req.body as { grant_type?: string } | null)?.grant_type !== 'client_credentials')
        return reply.code(400).send({ error: 'unsupported_grant_type' });
      const expected = Buffer.from(
        `${PAYPAL_SIM_CREDENTIALS.clientId}:${PAYPAL_SIM_CREDENTIALS.clientSecret}`,
      ).toString('base64');
      if (req.headers.authorization !== `Basic ${expected}`)
        return reply
          .code(401)
          .send({ error: 'invalid_client', error_description: 'Client Authentication failed' });
      st().tokenRequests++;
      const token = `A21AA${randomBytes(12).toString('hex')}`;
      st().tokens.add(token);
      return {
        scope: 'https://uri.paypal.com/services/reporting/search/read',
        access_token: token,
        token_type: 'Bearer',
        expires_in: 32400,
      };
    });
  });

  const auth = async (req: FastifyRequest, reply: FastifyReply) => {
    const token = req.headers.authorization?.replace(/^Bearer /, '');
    if (!token || !st().tokens.has(token))
      return reply
        .code(401)
        .send({ error: 'invalid_token', error_description: 'Token signature verification failed' });
  };

  app.get('/paypal/v1/reporting/transactions', { preHandler: auth }, async (req, reply) => {
    const q = searchQuery.parse(req.query);
    const start = Date.parse(q.start_date);
    const end = Date.parse(q.end_date);
    if (!(end > start) || end - start > MAX_WINDOW_MS)
      return reply.code(400).send({
        name: 'INVALID_REQUEST',
        message: 'Request is not well-formed, syntactically incorrect, or violates schema.',
        details: [{ field: 'end_date', issue: 'Date range is greater than 31 days' }],
        debug_id: randomBytes(6).toString('hex'),
      });
    const matching = st()
      .transactions.filter((t) => {
        const at = txTime(t.transaction_info.transaction_initiation_date);
        return at >= start && at < end;
      })
      .sort(
        (a, b) =>
          txTime(a.transaction_info.transaction_initiation_date) -
          txTime(b.transaction_info.transaction_initiation_date),
      );
    const totalPages = Math.max(1, Math.ceil(matching.length / q.page_size));
    return {
      transaction_details: matching.slice((q.page - 1) * q.page_size, q.page * q.page_size),
      account_number: 'SIMACCOUNT',
      start_date: q.start_date,
      end_date: q.end_date,
      last_refreshed_datetime: new Date().toISOString(),
      page: q.page,
      total_items: matching.length,
      total_pages: totalPages,
      links: [],
    };
  });

  app.post('/__sim/paypal/transactions', async (req) => {
    const body = z
      .object({
        transactions: z.array(
          z.looseObject({
            transaction_info: z.looseObject({
              transaction_id: z.string(),
              transaction_initiation_date: z.string(),
            }),
          }),
        ),
      })
      .parse(req.body);
    for (const t of body.transactions) st().transactions.push(t as PaypalState['transactions'][number]);
    return { total: st().transactions.length };
  });
  app.get('/__sim/paypal/state', async () => ({
    transactions: st().transactions.length,
    tokenRequests: st().tokenRequests,
  }));
};

export default paypal;
