import { simControl } from '@cauce/provider-sim/control';

/**
 * What the launcher prints once the stack is configured (and `--print-config` prints again): where
 * everything is, how to log in, and one ready-to-paste `curl` per source flow built from the
 * stack's own secrets. Each command works verbatim in a POSIX shell from the repository root
 * (the CSV upload mints its admin token with `npm run token`).
 */

export interface BannerInput {
  env: Record<string, string | undefined>;
  /** The ingress as reached from this machine, e.g. http://127.0.0.1:3001 */
  ingress: string;
  settingsFile: string;
  /** Prefix for every npm command (the demo points the CLIs at its own settings file). */
  npmPrefix?: string;
  demo?: boolean;
  /** Where the workers' /metrics listen, as told to the reader (a whole phrase). */
  workerPorts?: string;
  /** false for --print-config: nothing is being started. */
  starting?: boolean;
}

/**
 * The records the banner's Beds24 and SIIGO commands name. The stack creates them in provider-sim
 * (seedFirstSteps), so each event settles `processed`: its worker fetches the record and finds it.
 * The booking id is outside provider-sim's own sequence (70000001 up), so it never collides.
 */
export const FIRST_STEPS = {
  beds24BookingId: 69_000_001,
  siigoProductId: 'first-steps-product-1',
} as const;

/** Creates FIRST_STEPS's booking and product in provider-sim at `sim`; throws when it cannot. */
export async function seedFirstSteps(sim: string): Promise<void> {
  const post = (path: string, body: unknown) => simControl(sim, 'POST', path, body);
  await post('/__sim/beds24/bookings', {
    id: FIRST_STEPS.beds24BookingId,
    status: 'confirmed',
    arrival: '2026-02-01',
    departure: '2026-02-03',
    firstName: 'Ana',
    lastName: 'Pérez',
    phone: '+57 300 123 4567',
  });
  await post('/__sim/siigo/products', {
    products: [{ id: FIRST_STEPS.siigoProductId, code: 'SKU-1', name: 'Producto de prueba' }],
  });
}

/** A single-quoted shell word. */
const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export interface FlowCommand {
  flow: 'beds24' | 'order' | 'siigo' | 'csv';
  title: string;
  command: string;
}

/**
 * One curl per source flow; each answers 2xx and leaves its row (webhook_events, orders; the CSV
 * upload answers 202 once stored, and worker-staging stages it into csv_imports_raw moments later).
 */
export function flowCommands({ env, ingress, npmPrefix = '' }: BannerInput): FlowCommand[] {
  const out: FlowCommand[] = [];
  const json = (o: unknown) => sq(JSON.stringify(o));
  const beds24 = env.BEDS24_WEBHOOK_TOKEN;
  if (beds24) {
    // Beds24's v2 booking webhook: the booking with its items beside it, no `action` field.
    const body = {
      timeStamp: '2026-01-15T10:00:00',
      booking: {
        id: FIRST_STEPS.beds24BookingId,
        propertyId: 1,
        roomId: 1,
        status: 'confirmed',
        arrival: '2026-02-01',
        departure: '2026-02-03',
        numAdult: 2,
        firstName: 'Ana',
        lastName: 'Pérez',
        email: 'ana@example.com',
        phone: '+57 300 123 4567',
        modifiedTime: '2026-01-15T10:00:00Z',
      },
      infoItems: [],
      invoiceItems: [],
      messages: [],
      retries: 0,
    };
    out.push({
      flow: 'beds24',
      title: 'a Beds24 booking webhook',
      command: `curl --fail-with-body -sS ${ingress}/api/webhooks/beds24 -H ${sq(`Authorization: Bearer ${beds24}`)} -H 'Content-Type: application/json' -d ${json(body)}`,
    });
  }
  const apiKey = env.ORDERS_API_KEYS?.split(',')[0]?.trim();
  if (apiKey) {
    const order = {
      customer_name: 'Ana Pérez',
      phone: '+57 300 123 4567',
      email: 'ana@example.com',
      address: 'Calle 10 # 5-23',
      city: 'Medellín',
      department: 'Antioquia',
      pack: 'Pack 1',
      price: 79900,
      status: 'confirmed',
      session_id: 'first-steps-1',
    };
    out.push({
      flow: 'order',
      title: 'an order (POST /api/orders)',
      // The Idempotency-Key makes a second paste answer 200 duplicate, not a second order.
      command: `curl --fail-with-body -sS ${ingress}/api/orders -H ${sq(`X-Api-Key: ${apiKey}`)} -H 'Idempotency-Key: first-steps-1' -H 'Content-Type: application/json' -d ${json(order)}`,
    });
  }
  const siigo = env.SIIGO_WEBHOOK_TOKEN;
  if (siigo) {
    const event = {
      topic: 'public.siigoapi.products.stock.update',
      id: FIRST_STEPS.siigoProductId,
      code: 'SKU-1',
      name: 'Producto de prueba',
      available_quantity: 7,
      metadata: { last_updated: '2026-01-15T10:00:00Z' },
    };
    out.push({
      flow: 'siigo',
      title: 'a SIIGO test event (stock update)',
      command: `curl --fail-with-body -sS ${ingress}/api/webhooks/siigo/${siigo} -H 'Content-Type: application/json' -d ${json(event)}`,
    });
  }
  out.push({
    flow: 'csv',
    title: 'a CSV upload into staging (admin token minted inline; 202, then worker-staging imports it)',
    command: `printf 'email,phone,name\\nana@example.com,+573001234567,Ana\\n' | curl --fail-with-body -sS ${ingress}/api/sync/csv -H "Authorization: Bearer $(${npmPrefix}npm run --silent token -- --role admin --sub you)" -F 'file=@-;filename=clients.csv'`,
  });
  return out;
}

/** The whole text: URLs, login, the flows. */
export function stackBanner(input: BannerInput): string {
  const { ingress, settingsFile, npmPrefix = '', demo, starting = true } = input;
  const workerPorts = input.workerPorts ?? 'each worker on its own port: WORKER_PORT, 9101..9105 by default';
  const token = `${npmPrefix}npm run --silent token -- --role admin --sub you`;
  const user = input.env.CAUCE_ADMIN_USER || 'admin';
  const password = input.env.CAUCE_ADMIN_PASSWORD;
  const lines = [
    `Cauce${demo ? ' DEMO' : ''} ${starting ? 'is starting' : '(not started)'} (settings: ${settingsFile}; print again: npm run ${demo ? 'demo' : 'stack'} -- --print-config)`,
    `  ingress        ${ingress}/api/ready   (webhooks under /api/webhooks/<provider>)`,
    `  console        ${ingress}/admin/   (operators: overview, stock, dead letters, sync…)`,
    `  Bull Board     ${ingress}/api/admin/queues/ui`,
    `  Sync Center    ${ingress}/admin/sync`,
    `  API docs       ${ingress}/docs`,
    `  metrics        ${ingress}/metrics   (${workerPorts})`,
    `  stock events   ${ingress}/api/stock/events   (Server-Sent Events)`,
    '',
    // Printed like the webhook secrets below: this is the local stack's own settings file.
    password
      ? `Log in at ${ingress}/api/admin/login as user ${user}, password ${password}`
      : `Log in at ${ingress}/api/admin/login: no CAUCE_ADMIN_PASSWORD, so add a user first: ${npmPrefix}npm run users -- add --name you --role admin`,
    ...(password
      ? [
          `  (CAUCE_ADMIN_PASSWORD in ${settingsFile}; it creates the first admin only, so after a passwd it no longer applies)`,
        ]
      : []),
    `  users: ${npmPrefix}npm run users -- list | add --name ana --role viewer | passwd --name ana | disable --name ana`,
    `  API clients and scripts: TOKEN=$(${token}); curl -H "Authorization: Bearer $TOKEN" ${ingress}/api/admin/queues/stats`,
    '',
    'Try each source flow (paste as is):',
    ...flowCommands(input).flatMap((f) => [`  # ${f.title}`, `  ${f.command}`]),
    ...(starting ? ['', 'Ctrl-C stops everything gracefully.'] : []),
  ];
  return `\n${lines.join('\n')}\n`;
}
