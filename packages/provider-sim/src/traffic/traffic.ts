import { randomUUID } from 'node:crypto';
import { simControl } from '../control.ts';
import { type Delivery, deliver } from './deliver.ts';

export interface SoakTarget {
  ingress: string;
  sim: string;
  beds24Token: string;
  siigoPath: string;
  ordersApiKey: string;
  extra?: Record<string, (t: Traffic) => Promise<Delivery>>;
}

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

export interface SentOrder {
  sessionId: string;
  delivery: Delivery;
}

/**
 * The mixed stream: each call changes something at a provider (in provider-sim) and delivers
 * the webhook that provider would send, or places an order as the chat flow does. Everything sent
 * is kept for the checker.
 */
export class Traffic {
  readonly deliveries: Delivery[] = [];
  readonly orders: SentOrder[] = [];
  readonly touchedBookings = new Set<number>();
  readonly touchedProducts = new Set<string>();
  /** Sends whose change at the provider failed (sim control error): not counted as traffic. */
  skipped = 0;

  constructor(
    readonly target: SoakTarget,
    private readonly bookingIds: number[],
    private readonly productIds: string[],
  ) {}

  static async seed(simBase: string, bookings: number, products: number) {
    // Credits are Beds24's budget, not what the soak measures.
    await simControl(simBase, 'POST', '/__sim/beds24/config', { creditLimit: 1e9, resetCredits: true });
    const b = await simControl<{ firstId: number; lastId: number }>(simBase, 'POST', '/__sim/beds24/seed', {
      count: bookings,
    });
    const bookingIds = Array.from({ length: b.lastId - b.firstId + 1 }, (_, i) => b.firstId + i);
    const p = await simControl<{ products: Array<{ id: string }> }>(
      simBase,
      'POST',
      '/__sim/siigo/products',
      {
        count: products,
      },
    );
    return { bookingIds, productIds: p.products.map((x) => x.id) };
  }

  private async record(d: Delivery) {
    this.deliveries.push(d);
    return d;
  }

  async beds24(): Promise<Delivery> {
    const id = pick(this.bookingIds);
    const r = Math.random();
    if (r < 0.1) {
      await simControl(this.target.sim, 'POST', `/__sim/beds24/bookings/${id}/cancel`);
    } else {
      await simControl(this.target.sim, 'PATCH', `/__sim/beds24/bookings/${id}`, {
        numAdult: 1 + Math.floor(Math.random() * 4),
        notes: `soak ${randomUUID().slice(0, 8)} — ñandú`,
      });
    }
    this.touchedBookings.add(id);
    const body = await simControl(this.target.sim, 'GET', `/__sim/beds24/webhook-body/${id}`);
    return this.record(
      await deliver('beds24', `${this.target.ingress}/api/webhooks/beds24`, JSON.stringify(body), {
        authorization: `Bearer ${this.target.beds24Token}`,
      }),
    );
  }

  async siigo(): Promise<Delivery> {
    const id = pick(this.productIds);
    await simControl(this.target.sim, 'POST', `/__sim/siigo/products/${id}/stock`, {
      quantity: Math.floor(Math.random() * 500),
    });
    this.touchedProducts.add(id);
    const body = await simControl(this.target.sim, 'GET', `/__sim/siigo/webhooks/body/${id}`);
    return this.record(
      await deliver('siigo', `${this.target.ingress}${this.target.siigoPath}`, JSON.stringify(body), {}),
    );
  }

  async order(): Promise<Delivery> {
    const sessionId = `soak-${randomUUID()}`;
    const body = {
      customer_name: pick(['María José Peña', 'Andrés Gómez', 'Luz Ángela Ríos', 'João Souza']),
      phone: `+57 3${Math.floor(100000000 + Math.random() * 899999999)}`,
      email: `${sessionId}@example.com`,
      address: 'Calle 10 # 5-23',
      city: 'Medellín',
      department: 'Antioquia',
      pack: pick(['Pack 1', 'Pack 2', 'Pack 3']),
      price: pick([79900, 139900, 189900]),
      status: 'confirmed',
      session_id: sessionId,
    };
    const d = await deliver('order', `${this.target.ingress}/api/orders`, JSON.stringify(body), {
      'x-api-key': this.target.ordersApiKey,
      'idempotency-key': sessionId,
    });
    this.orders.push({ sessionId, delivery: d });
    return this.record(d);
  }

  /** One event of the mix, chosen by weight. */
  async next(): Promise<Delivery | null> {
    const extra = Object.entries(this.target.extra ?? {});
    const r = Math.random();
    try {
      if (r < 0.35) return await this.beds24();
      if (r < 0.6) return await this.siigo();
      if (r < 0.75 || !extra.length) return await this.order();
      const [, send] = pick(extra);
      return this.record(await send(this));
    } catch {
      this.skipped++;
      return null;
    }
  }
}
