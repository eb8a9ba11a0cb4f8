import { describe, expect, it } from 'vitest';
import {
  ADDRESS_MASK,
  EMAIL_MASK,
  isContactKey,
  isSecretKey,
  PHONE_MASK,
  REDACTED,
  redact,
  redactString,
  TOKEN_MASK,
} from '../src/admin/redact.ts';
import { viewerBoardView } from '../src/routes/admin/bull-board.ts';

describe('redact (what viewers see of job data and webhook payloads)', () => {
  it('replaces the values of secret-looking and contact keys, whatever their type', () => {
    const input = {
      accessToken: 'abc',
      refresh_token: 'def',
      password: 12345,
      'X-Api-Key': 'k',
      client_secret: { nested: true },
      Authorization: 'Bearer zzz',
      stripeSignature: 't=1,v1=abc',
      email: 'ana@example.com',
      guestPhone: '3001234567',
      mobile: 573001234567,
      telefono: '3001234567',
      keep: 'kept',
      count: 3,
    };
    expect(redact(input)).toEqual({
      accessToken: REDACTED,
      refresh_token: REDACTED,
      password: REDACTED,
      'X-Api-Key': REDACTED,
      client_secret: REDACTED,
      Authorization: REDACTED,
      stripeSignature: REDACTED,
      email: REDACTED,
      guestPhone: REDACTED,
      mobile: REDACTED,
      telefono: REDACTED,
      keep: 'kept',
      count: 3,
    });
  });

  it('keeps empty and null values (nothing to hide, and the shape stays readable)', () => {
    expect(redact({ email: null, phone: '', token: undefined })).toEqual({
      email: null,
      phone: '',
      token: undefined,
    });
  });

  it('masks e-mails, phones, JWTs, bearer credentials and key-like strings inside free text', () => {
    expect(redactString('contact Ana.Maria+vip@mail.example.co now')).toBe(`contact ${EMAIL_MASK} now`);
    expect(redactString('call +57 316 111 1111 or +573161111111')).toBe(
      `call ${PHONE_MASK} or ${PHONE_MASK}`,
    );
    expect(redactString('call (316) 111-1111 or 316.111.1111')).toBe(`call ${PHONE_MASK} or ${PHONE_MASK}`);
    expect(redactString('duplicate contact 3161111111 (573161111111)')).toBe(
      `duplicate contact ${PHONE_MASK} (${PHONE_MASK})`,
    );
    expect(redactString('jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl end')).toBe(
      `jwt ${TOKEN_MASK} end`,
    );
    expect(redactString('Authorization: Bearer abc.def-ghi')).toBe(`Authorization: Bearer ${TOKEN_MASK}`);
    expect(redactString('key sk_live_51HxYzAbCdEfGhIjKlMnOpQrStUv99 used')).toBe(`key ${TOKEN_MASK} used`);
  });

  it('masks addresses: address keys, Colombian street addresses and the text after an address label', () => {
    expect(redact({ address: 'Calle 45 # 12-34', guestAddress: '1 Main St', direccion: 'Cra 7' })).toEqual({
      address: REDACTED,
      guestAddress: REDACTED,
      direccion: REDACTED,
    });
    expect(redactString('entregar en Cra. 7 No. 45-12 apto 3')).toBe(`entregar en ${ADDRESS_MASK} apto 3`);
    expect(redactString('vive en calle 45 #12-34')).toBe(`vive en ${ADDRESS_MASK}`);
    expect(
      redactString(
        '¡Hola Ana! Dirección de entrega: Vereda El Rosal, finca 3, Chía. ¡Gracias por tu compra!',
      ),
    ).toBe(`¡Hola Ana! Dirección de entrega: ${ADDRESS_MASK}. ¡Gracias por tu compra!`);
  });

  it('masks the values of a row naming a contact field, and phone-number recipients', () => {
    expect(
      redact({
        field: 'phone_e164',
        existingValue: '3001234567',
        incomingValue: '3009876543',
        status: 'open',
      }),
    ).toEqual({ field: 'phone_e164', existingValue: REDACTED, incomingValue: REDACTED, status: 'open' });
    expect(redact({ field: 'name', existingValue: 'Ana' })).toEqual({ field: 'name', existingValue: 'Ana' });
    expect(redact({ to: '3001234567', text: 'hola' })).toEqual({ to: REDACTED, text: 'hola' });
    // A date range is not a phone number.
    expect(redact({ from: '2026-01-01', to: '2026-01-31' })).toEqual({
      from: '2026-01-01',
      to: '2026-01-31',
    });
  });

  it('leaves ids, dates, hashes and ordinary text alone', () => {
    const kept = [
      'booking 12345678 modified',
      '2026-11-24T06:58:19.162Z',
      'order-42',
      '550e8400-e29b-41d4-a716-446655440000',
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      'siigo-stock webhook-event',
    ];
    for (const s of kept) expect(redactString(s)).toBe(s);
  });

  it('walks arrays and nested objects without modifying the input', () => {
    const input = {
      webhookEventId: '17',
      booking: { guests: [{ email: 'a@b.co', name: 'Ana' }], notes: 'write to ana@b.co' },
    };
    const copy = structuredClone(input);
    expect(redact(input)).toEqual({
      webhookEventId: '17',
      booking: { guests: [{ email: REDACTED, name: 'Ana' }], notes: `write to ${EMAIL_MASK}` },
    });
    expect(input).toEqual(copy);
  });

  it('keeps what toJSON-carrying values serialise to (dates, Prisma decimals)', () => {
    const at = new Date('2026-11-24T06:58:19.162Z');
    const decimal = { d: [159900, 5000000], e: 5, s: 1, toJSON: () => '159900.5' };
    expect(JSON.stringify(redact({ at, price: decimal }))).toBe(
      '{"at":"2026-11-24T06:58:19.162Z","price":"159900.5"}',
    );
  });

  it('stops at a depth bound instead of overflowing on hostile nesting', () => {
    let deep: unknown = 'ana@b.co';
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(JSON.stringify(redact(deep))).toContain('[truncated]');
  });

  it('classifies key names after removing case and separators', () => {
    for (const k of [
      'api_key',
      'ApiKey',
      'x-api-key',
      'SIIGO_ACCESS_KEY',
      'webhookSecret',
      'session_id',
      'privateKey',
    ])
      expect(isSecretKey(k), k).toBe(true);
    for (const k of [
      'e-mail',
      'customerEmail',
      'phone_e164',
      'Celular',
      'msisdn',
      'guestAddress',
      'direccion',
    ])
      expect(isContactKey(k), k).toBe(true);
    for (const k of ['id', 'bookingId', 'name', 'author', 'status', 'keyword'])
      expect(isSecretKey(k) || isContactKey(k), k).toBe(false);
  });
});

describe('viewerBoardView (Bull Board API responses for viewers)', () => {
  it('marks every queue read-only and forbids retries; job contents arrive masked by the viewer layer', () => {
    const body = {
      queues: [
        {
          name: 'bigin-orders',
          readOnlyMode: false,
          allowRetries: true,
          allowCompletedRetries: true,
          jobs: [
            {
              id: '1',
              data: { orderId: 1, email: 'ana@b.co' },
              returnValue: { sent: 'to +57 316 111 1111' },
              failedReason: 'rejected ana@b.co',
              stacktrace: ['Error: token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'],
            },
          ],
        },
      ],
    };
    expect(viewerBoardView(redact(body))).toEqual({
      queues: [
        {
          name: 'bigin-orders',
          readOnlyMode: true,
          allowRetries: false,
          allowCompletedRetries: false,
          jobs: [
            {
              id: '1',
              data: { orderId: 1, email: REDACTED },
              returnValue: { sent: `to ${PHONE_MASK}` },
              failedReason: `rejected ${EMAIL_MASK}`,
              stacktrace: [`Error: token ${TOKEN_MASK}`],
            },
          ],
        },
      ],
    });
  });
});
