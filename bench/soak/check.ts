import type { Traffic } from '@cauce/provider-sim/traffic/traffic';
import pg from 'pg';

export interface CheckResult {
  sent: number;
  accepted: number;
  /** Accepted (2xx) but not found in the database. Must be 0. */
  lost: number;
  /** Stored more than once. Must be 0. */
  duplicates: number;
  /** Answered 4xx (a bug in the sender or the ingress). */
  refused: number;
  /** Never accepted within the give-up time (provider would alert). */
  undelivered: number;
  /** Stored but neither processed nor in job_failures (unreplayed) at the end. */
  unfinished: number;
  /** In job_failures and not (successfully) replayed: an operator's to look at. */
  deadLettered: number;
  wrongBookings: number;
  wrongProducts: number;
  ordersUnsynced: number;
  details: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until nothing is left to do: no stored event or order still waiting for a worker. */
export async function drain(databaseUrl: string, timeoutMs: number, log: (s: string) => void) {
  const client = new pg.Client(databaseUrl);
  await client.connect();
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const { rows } = await client.query<{ events: string; orders: string }>(`
        SELECT
          (SELECT count(*) FROM webhook_events e WHERE e.status IN ('received', 'queued', 'failed')
             AND NOT EXISTS (SELECT 1 FROM job_failures f
               WHERE f.data->>'webhookEventId' = e.id::text AND f.replayed_at IS NULL)) AS events,
          (SELECT count(*) FROM orders o WHERE NOT o.synced_to_bigin
             AND NOT EXISTS (SELECT 1 FROM job_failures f
               WHERE f.data->>'orderId' = o.id::text AND f.replayed_at IS NULL)) AS orders`);
      const left = Number(rows[0]!.events) + Number(rows[0]!.orders);
      if (left === 0) return 0;
      if (Date.now() > deadline) return left;
      log(`draining: ${rows[0]!.events} events and ${rows[0]!.orders} orders still in flight`);
      await sleep(5_000);
    }
  } finally {
    await client.end();
  }
}

/** Rows in job_failures (dead letters), replayed or not. */
export async function countFailures(databaseUrl: string): Promise<number> {
  const client = new pg.Client(databaseUrl);
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM job_failures');
    return Number(rows[0]!.n);
  } finally {
    await client.end();
  }
}

/** Compares everything the traffic sent with what the database holds. */
export async function check(databaseUrl: string, traffic: Traffic): Promise<CheckResult> {
  const client = new pg.Client(databaseUrl);
  await client.connect();
  const r: CheckResult = {
    sent: traffic.deliveries.length,
    accepted: 0,
    lost: 0,
    duplicates: 0,
    refused: 0,
    undelivered: 0,
    unfinished: 0,
    deadLettered: 0,
    wrongBookings: 0,
    wrongProducts: 0,
    ordersUnsynced: 0,
    details: [],
  };
  const note = (s: string) => {
    if (r.details.length < 30) r.details.push(s);
  };
  try {
    // Webhooks: the stored payload must equal the bytes sent (jsonb text is canonical).
    const hooks = traffic.deliveries.filter((d) => d.kind !== 'order');
    const { rows: canon } = await client.query<{ t: string }>(
      'SELECT b::jsonb::text AS t FROM unnest($1::text[]) WITH ORDINALITY AS u(b, n) ORDER BY n',
      [hooks.map((d) => d.body)],
    );
    const { rows: stored } = await client.query<{ id: string; status: string; p: string; dl: boolean }>(`
      SELECT e.id::text, e.status, e.payload::text AS p,
        EXISTS (SELECT 1 FROM job_failures f
          WHERE f.data->>'webhookEventId' = e.id::text AND f.replayed_at IS NULL) AS dl
      FROM webhook_events e`);
    const byPayload = new Map<string, typeof stored>();
    for (const row of stored) byPayload.set(row.p, [...(byPayload.get(row.p) ?? []), row]);
    const seen = new Set<string>();
    hooks.forEach((d, i) => {
      if (d.status === 0 || d.status >= 500 || d.status === 429) {
        r.undelivered++;
        note(`${d.kind}: never accepted (last status ${d.status}, ${d.attempts} attempts)`);
        return;
      }
      if (d.status >= 400) {
        r.refused++;
        note(`${d.kind}: refused ${d.status}: ${String(JSON.stringify(d.response)).slice(0, 200)}`);
        return;
      }
      r.accepted++;
      const key = canon[i]!.t;
      if (seen.has(key)) return; // the same body sent twice on purpose is one event
      seen.add(key);
      const rows = byPayload.get(key) ?? [];
      if (rows.length === 0) {
        r.lost++;
        note(`${d.kind}: accepted (${d.status}) but not stored`);
      } else if (rows.length > 1) {
        r.duplicates += rows.length - 1;
        note(`${d.kind}: stored ${rows.length} times (ids ${rows.map((x) => x.id).join(',')})`);
      }
      for (const row of rows) {
        if (['processed', 'ignored'].includes(row.status)) continue;
        if (row.dl) r.deadLettered++;
        else {
          r.unfinished++;
          note(`${d.kind}: event ${row.id} left in status ${row.status}`);
        }
      }
    });

    // Orders: every accepted order saved exactly once, synced or dead-lettered.
    const { rows: orders } = await client.query<{
      session_id: string;
      n: string;
      unsynced: string;
      dl: string;
    }>(`
      SELECT o.session_id, count(*) AS n, count(*) FILTER (WHERE NOT o.synced_to_bigin) AS unsynced,
        count(*) FILTER (WHERE EXISTS (SELECT 1 FROM job_failures f
          WHERE f.data->>'orderId' = o.id::text AND f.replayed_at IS NULL)) AS dl
      FROM orders o GROUP BY o.session_id`);
    const orderRows = new Map(orders.map((o) => [o.session_id, o]));
    for (const o of traffic.orders) {
      const d = o.delivery;
      if (d.status === 0 || d.status >= 500 || d.status === 429) {
        r.undelivered++;
        note(`order ${o.sessionId}: never accepted (last status ${d.status})`);
        continue;
      }
      if (d.status >= 400) {
        r.refused++;
        note(`order ${o.sessionId}: refused ${d.status}`);
        continue;
      }
      r.accepted++;
      const row = orderRows.get(o.sessionId);
      if (!row) {
        r.lost++;
        note(`order ${o.sessionId}: accepted but not saved`);
        continue;
      }
      if (Number(row.n) > 1) {
        r.duplicates += Number(row.n) - 1;
        note(`order ${o.sessionId}: saved ${row.n} times`);
      }
      if (Number(row.unsynced) > 0) {
        if (Number(row.dl) > 0) r.deadLettered++;
        else {
          r.ordersUnsynced++;
          note(`order ${o.sessionId}: not synced to Bigin and not dead-lettered`);
        }
      }
    }

    // Bookings: each touched booking equals Beds24's (provider-sim's) current state.
    for (const id of traffic.touchedBookings) {
      const res = await fetch(`${traffic.target.sim}/__sim/beds24/bookings/${id}`);
      const truth = (await res.json()) as { status: string; modifiedTime: string };
      const { rows } = await client.query<{ status: string; modified_date: Date | null }>(
        'SELECT status, modified_date FROM bookings WHERE booking_id = $1',
        [String(id)],
      );
      const row = rows[0];
      const ok =
        row &&
        row.status === truth.status &&
        row.modified_date?.getTime() === new Date(truth.modifiedTime).getTime();
      if (!ok) {
        r.wrongBookings++;
        note(
          `booking ${id}: db ${row ? `${row.status} @ ${row.modified_date?.toISOString()}` : 'missing'}, Beds24 ${truth.status} @ ${truth.modifiedTime}`,
        );
      }
    }

    // Products: each touched product's stock equals SIIGO's.
    const res = await fetch(`${traffic.target.sim}/__sim/siigo/products`);
    const simProducts = (
      (await res.json()) as { products: Array<{ id: string; available_quantity: number }> }
    ).products;
    const truth = new Map(simProducts.map((p) => [p.id, p.available_quantity]));
    const { rows: products } = await client.query<{ siigo_product_id: string; stock: string }>(
      'SELECT siigo_product_id, stock::text FROM products WHERE siigo_product_id = ANY($1)',
      [[...traffic.touchedProducts]],
    );
    const ours = new Map(products.map((p) => [p.siigo_product_id, Number(p.stock)]));
    for (const id of traffic.touchedProducts) {
      if (ours.get(id) !== truth.get(id)) {
        r.wrongProducts++;
        note(`product ${id}: db ${ours.get(id)}, SIIGO ${truth.get(id)}`);
      }
    }
  } finally {
    await client.end();
  }
  return r;
}
