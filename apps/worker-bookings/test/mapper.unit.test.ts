import { beds24 } from '@cauce/providers';
import { jobOptionsFor, QUEUES } from '@cauce/queues';
import { backoffSchedule } from '@cauce/runtime';
import { describe, expect, it } from 'vitest';
import {
  cancelledBooking,
  confirmedBooking,
  confirmedMessages,
  groupMaster,
  groupSibling,
  zeroPriceBooking,
} from './fixtures.ts';

const opts = { defaultCountry: 'CO', propertyNames: { '200101': 'Casa Azul – Cartagena' } };

describe('beds24.mapBooking', () => {
  it('maps every field of a confirmed booking with invoice items, info items and messages', () => {
    const row = beds24.mapBooking({ booking: confirmedBooking, messages: confirmedMessages }, opts);
    expect(row).toMatchObject({
      bookingId: '58123456',
      phone: '+573001234567',
      guestName: 'María José Pérez Gómez',
      status: 'confirmed',
      propertyId: '200101',
      propertyName: 'Casa Azul – Cartagena',
      roomId: '412345',
      masterId: null,
      arrival: '2026-12-20',
      departure: '2026-12-23',
      numNights: 3,
      totalPersons: 3,
      // 450000 + 2 × 25000.50 (no lineTotal) = 500001.00; payments 200000 − 10000
      totalCharges: '500001.00',
      totalPayments: '190000.00',
      balance: '310001.00',
      basePrice: '450000.00',
      channel: 'booking',
      email: 'mj.perez@example.com',
      apiReference: '4455667788',
      notes: 'Cliente frecuente',
    });
    expect(row.modifiedDate?.toISOString()).toBe('2026-11-20T08:00:00.000Z');
    expect(row.charges.map((c) => (c as { id: string }).id)).toEqual(['901', '902']);
    expect(row.payments.map((c) => (c as { id: string }).id)).toEqual(['903', '904']);
    expect(row.infoItems).toHaveLength(1);
    expect(row.messages).toEqual([
      expect.objectContaining({ message: '¿Hay parqueadero?', source: 'guest' }),
    ]);
    expect(row.raw).toBe(confirmedBooking);
  });

  it('handles a zero-price booking with missing optional fields', () => {
    const row = beds24.mapBooking({ booking: zeroPriceBooking }, opts);
    expect(row).toMatchObject({
      bookingId: '58123999',
      phone: null,
      guestName: null,
      email: null,
      status: 'black',
      propertyName: null,
      numNights: 0,
      totalPersons: 0,
      totalCharges: '0.00',
      totalPayments: '0.00',
      balance: '0.00',
      basePrice: '0.00',
      channel: null,
      apiReference: null,
      notes: null,
    });
    expect(row.charges).toEqual([]);
    expect(row.messages).toEqual([]);
    expect(row.infoItems).toEqual([]);
  });

  it('maps each room of a multi-room group booking on its own, keeping the master link', () => {
    const master = beds24.mapBooking({ booking: groupMaster }, opts);
    const sibling = beds24.mapBooking({ booking: groupSibling }, opts);
    expect(master).toMatchObject({
      bookingId: '58124000',
      masterId: null,
      guestName: 'Søren Østergård',
      phone: '+4532123456',
      totalCharges: '600000.00',
      numNights: 3,
      channel: 'airbnb',
    });
    expect(sibling).toMatchObject({
      bookingId: '58124001',
      masterId: '58124000',
      guestName: '山田 太郎',
      phone: '+819012345678',
      totalCharges: '300000.00',
    });
  });

  it('keeps a cancelled booking as a row with the cancelled status', () => {
    const row = beds24.mapBooking({ booking: cancelledBooking }, opts);
    expect(row.status).toBe('cancelled');
    expect(row.modifiedDate?.toISOString()).toBe('2026-11-22T09:30:00.000Z');
  });

  it('takes invoice items beside the booking (webhook V2 shape) over nested ones', () => {
    const { invoiceItems: _i, ...bare } = confirmedBooking;
    const row = beds24.mapBooking(
      { booking: bare, invoiceItems: [{ type: 'charge', qty: 1, amount: 10 }] },
      opts,
    );
    expect(row.totalCharges).toBe('10.00');
  });

  it('rejects a booking without id or status', () => {
    expect(() => beds24.mapBooking({ booking: { status: 'new' } }, opts)).toThrow();
    expect(() => beds24.mapBooking({ booking: { id: 1 } }, opts)).toThrow();
  });
});

describe('beds24 phone extraction', () => {
  const p = (phone: string | null, country2?: string, mobile?: string) =>
    beds24.extractPhone({ phone, mobile, country2 }, 'CO');
  it('normalises to E.164 using country2, then the default country', () => {
    expect(p('300 123 4567')).toBe('+573001234567');
    expect(p('612 345 678', 'ES')).toBe('+34612345678');
    expect(p('0034 612 345 678')).toBe('+34612345678');
    expect(p('+1 (415) 555-2671', 'CO')).toBe('+14155552671');
  });
  it('prefers the mobile and returns null for garbage', () => {
    expect(p('601 234 5678', 'CO', '310 555 0101')).toBe('+573105550101');
    expect(p('n/a')).toBeNull();
    expect(p('')).toBeNull();
    expect(p(null)).toBeNull();
  });
  it('honours a different default country', () => {
    expect(beds24.extractPhone({ phone: '612 345 678' }, 'ES')).toBe('+34612345678');
  });
});

describe('beds24 helpers', () => {
  it('counts nights across month and year ends', () => {
    expect(beds24.nightsBetween('2026-12-30', '2027-01-02')).toBe(3);
    expect(beds24.nightsBetween('2027-02-27', '2027-03-01')).toBe(2);
    expect(beds24.nightsBetween('2027-03-01', '2027-02-27')).toBeNull();
    expect(beds24.nightsBetween(null, '2027-02-27')).toBeNull();
  });
  it('reads the credit headers in both spellings', () => {
    expect(
      beds24.readCreditHeaders({
        'x-fivemincreditlimit-remaining': '97.4',
        'x-fivemincreditlimit-resetsin': '120',
        'x-requestcost': '1.6',
      }),
    ).toEqual({ remaining: 97.4, resetsInSeconds: 120, cost: 1.6 });
    expect(
      beds24.readCreditHeaders({
        'x-five-min-limit-remaining': '3',
        'x-five-min-limit-resets-in': '45',
        'x-request-cost': '1.50',
      }),
    ).toEqual({ remaining: 3, resetsInSeconds: 45, cost: 1.5 });
    expect(beds24.readCreditHeaders({})).toEqual({ remaining: null, resetsInSeconds: null, cost: null });
  });
});

describe('beds24-sync job options', () => {
  it('are 3 attempts with the 5 s then 25 s geometric backoff and bounded history', () => {
    const o = jobOptionsFor(QUEUES.beds24Sync);
    expect(o).toMatchObject({
      attempts: 3,
      backoff: { type: 'geometric-x5', delay: 5000 },
      removeOnComplete: { count: 100 },
      removeOnFail: { count: 50 },
    });
    const b = o.backoff as { type: string; delay: number };
    // 3 attempts = 2 retries; 125 s would be the delay before a third retry.
    expect(backoffSchedule(b.type, b.delay, o.attempts!)).toEqual([5_000, 25_000]);
    expect(backoffSchedule(b.type, b.delay, 4)).toEqual([5_000, 25_000, 125_000]);
  });
});
