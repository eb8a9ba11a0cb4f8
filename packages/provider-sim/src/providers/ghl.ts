import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { SimContext, SimProvider } from '../server.ts';

/**
 * Fake GoHighLevel API v2 under /ghl: POST /contacts/search with the searchAfter cursor
 * (sorted by dateAdded then id). Synthetic contacts are generated from their index on demand,
 * so 500k of them cost no memory; explicit contacts (tests' overlapping identities) follow them.
 * Control routes under /__sim/ghl.
 */
export const GHL_SIM_TOKEN = 'sim-ghl-token';
export const GHL_SIM_LOCATION = 'sim-location';
const BASE_TS = Date.UTC(2025, 0, 1);
const SYNTH_ID = /^ghl(\d{8})$/;

interface GhlState {
  synthetic: number;
  explicit: Array<Record<string, unknown> & { id: string }>;
  explicitIndex: Map<string, number>;
  /** Largest pageLimit honoured. */
  maxPageLimit: number;
}

export function syntheticContact(i: number): Record<string, unknown> & { id: string } {
  const n = String(i).padStart(8, '0');
  return {
    id: `ghl${n}`,
    locationId: GHL_SIM_LOCATION,
    firstName: `First${i}`,
    lastName: `Last${i}`,
    name: `First${i} Last${i}`,
    email: `Contact.${i}@Example.com`,
    phone: `+1202${200 + (Math.floor(i / 10_000) % 800)}${String(i % 10_000).padStart(4, '0')}`,
    companyName: `Company ${i % 997}`,
    type: 'lead',
    source: 'sim import',
    address1: `${i} Main Street`,
    city: 'Springfield',
    state: 'IL',
    country: 'US',
    postalCode: String(60_000 + (i % 1000)),
    timezone: 'America/Chicago',
    dnd: false,
    tags: ['customer', `cohort-${i % 12}`],
    dateAdded: new Date(BASE_TS + i * 1000).toISOString(),
    dateUpdated: new Date(BASE_TS + i * 1000).toISOString(),
    customFields: [
      { id: 'cf_plan', value: i % 3 === 0 ? 'gold' : 'basic' },
      { id: 'cf_note', value: 'x'.repeat(200) },
    ],
    attributions: [{ utmSource: 'newsletter', medium: 'email', isFirst: true }],
  };
}

const searchBody = z.object({
  locationId: z.string().min(1),
  pageLimit: z.number().int().min(1).max(500).default(20),
  searchAfter: z
    .array(z.union([z.string(), z.number()]))
    .length(2)
    .optional(),
});

const seedBody = z.object({
  count: z.number().int().min(0).max(10_000_000).optional(),
  contacts: z.array(z.looseObject({ id: z.string().min(1) })).optional(),
});

const ghl: SimProvider = (app, ctx: SimContext) => {
  const fresh = (): GhlState => ({ synthetic: 0, explicit: [], explicitIndex: new Map(), maxPageLimit: 500 });
  ctx.state.ghl = fresh();
  const st = () => ctx.state.ghl as GhlState;
  ctx.resetters.push(() => {
    ctx.state.ghl = fresh();
  });

  const total = () => st().synthetic + st().explicit.length;
  const at = (idx: number) => {
    const s = st();
    if (idx < s.synthetic) return syntheticContact(idx);
    const c = s.explicit[idx - s.synthetic] as Record<string, unknown> & { id: string };
    return { ...c, dateAdded: c.dateAdded ?? new Date(BASE_TS + idx * 1000).toISOString() };
  };
  const indexOf = (id: string): number | undefined => {
    const m = SYNTH_ID.exec(id);
    if (m && Number(m[1]) < st().synthetic) return Number(m[1]);
    const k = st().explicitIndex.get(id);
    return k === undefined ? undefined : st().synthetic + k;
  };

  const auth = async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.headers.authorization !== `Bearer ${GHL_SIM_TOKEN}`)
      return reply.code(401).send({ statusCode: 401, message: 'Invalid JWT' });
    if (!req.headers.version)
      return reply.code(400).send({ statusCode: 400, message: 'Version header required' });
  };

  app.post('/ghl/contacts/search', { preHandler: auth }, async (req, reply) => {
    const body = searchBody.parse(req.body);
    if (body.locationId !== GHL_SIM_LOCATION)
      return reply.code(403).send({ statusCode: 403, message: 'location not authorised' });
    let start = 0;
    if (body.searchAfter) {
      const idx = indexOf(String(body.searchAfter[1]));
      if (idx === undefined) return reply.code(400).send({ statusCode: 400, message: 'bad searchAfter' });
      start = idx + 1;
    }
    const end = Math.min(total(), start + body.pageLimit);
    const contacts = [];
    for (let i = start; i < end; i++) {
      const c = at(i);
      contacts.push({ ...c, searchAfter: [Date.parse(String(c.dateAdded)), c.id] });
    }
    return { contacts, total: total() };
  });

  app.get('/ghl/contacts/:id', { preHandler: auth }, async (req, reply) => {
    const idx = indexOf((req.params as { id: string }).id);
    if (idx === undefined) return reply.code(404).send({ statusCode: 404, message: 'Contact not found' });
    return { contact: at(idx) };
  });

  // Control: set the synthetic count and/or append explicit contacts (same id replaces).
  app.post('/__sim/ghl/contacts', async (req) => {
    const body = seedBody.parse(req.body);
    const s = st();
    if (body.count !== undefined) s.synthetic = body.count;
    for (const c of body.contacts ?? []) {
      const k = s.explicitIndex.get(c.id);
      if (k === undefined) {
        s.explicitIndex.set(c.id, s.explicit.length);
        s.explicit.push(c);
      } else s.explicit[k] = c;
    }
    return { total: total() };
  });
  app.get('/__sim/ghl/state', async () => ({ total: total(), synthetic: st().synthetic }));
};

export default ghl;
