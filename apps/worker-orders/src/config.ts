import { PROVIDER_LIMITS } from '@cauce/providers';
import { bool, workerEnv } from '@cauce/runtime';
import { z } from 'zod';

/** Every variable worker-orders reads (docs/orders.md lists them). */
export const ordersEnv = workerEnv
  .extend({
    /** The Robot API's create-order endpoint. */
    BIGIN_ROBOT_URL: z.url().default('http://localhost:3000/bigin/create-order'),
    /** The robot drives a browser: it is slow, so the default wait is a minute. */
    BIGIN_ROBOT_TIMEOUT_MS: z.coerce.number().int().min(1).default(60_000),
    /**
     * Orders the robot drives at once across every worker-orders replica (BullMQ global
     * concurrency: WORKER_CONCURRENCY and the replica count do not raise it).
     */
    BIGIN_ROBOT_CONCURRENCY: z.coerce.number().int().min(1).max(50).default(2),
    /** Bigin sub-pipeline of new orders. */
    BIGIN_SUB_PIPELINE: z.string().min(1).default('Ventas Somnio Standard'),
    /** Bigin stage of new orders. */
    BIGIN_STAGE: z.string().min(1).default('Nuevo Ingreso'),
    /** Send the customer a WhatsApp confirmation through CallBell after a successful sync. */
    CALLBELL_ENABLED: bool.default(false),
    /** Country (ISO 3166-1 alpha-2) of order phones written without a country code, e.g. 3001234567. */
    ORDERS_PHONE_COUNTRY: z
      .string()
      .regex(/^[A-Za-z]{2}$/, 'a two-letter country code, e.g. CO')
      .transform((c) => c.toUpperCase())
      .default('CO'),
    /** CallBell API base URL. */
    CALLBELL_BASE_URL: z.url().default('https://api.callbell.eu/v1'),
    /** CallBell API token (Bearer); required when CALLBELL_ENABLED. */
    CALLBELL_API_TOKEN: z.string().min(1).optional(),
    /** CallBell WhatsApp channel to send from (optional: the account default otherwise). */
    CALLBELL_CHANNEL_UUID: z.string().min(1).optional(),
    /** Timeout of one CallBell call (ms). */
    CALLBELL_TIMEOUT_MS: z.coerce.number().int().min(1).default(15_000),
    /** CallBell requests per window for the account, shared by every replica (Redis). */
    CALLBELL_BUDGET_MAX: z.coerce.number().int().min(1).default(PROVIDER_LIMITS.callbell.limit),
    /** CallBell's rate window (300 requests per second). */
    CALLBELL_BUDGET_WINDOW_MS: z.coerce.number().int().min(1).default(PROVIDER_LIMITS.callbell.windowMs),
    /** The sweep re-enqueues orders still unsynced this long after creation and after their last attempt. */
    ORDERS_SWEEP_ENABLED: bool.default(true),
    /** How often the sweep re-enqueues orders left unsynced (ms). */
    ORDERS_SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).default(300_000),
    /** Age (ms) after which an unsynced order without a live job is re-enqueued. */
    ORDERS_SWEEP_AFTER_MS: z.coerce.number().int().min(0).default(900_000),
    /** Most orders one sweep re-enqueues (the rest wait for the next tick). */
    ORDERS_SWEEP_BATCH: z.coerce.number().int().min(1).default(500),
  })
  // CallBell needs its token when enabled: fail at start, not on the first order.
  .superRefine((c, ctx) => {
    if (c.CALLBELL_ENABLED && !c.CALLBELL_API_TOKEN)
      ctx.addIssue({
        code: 'custom',
        path: ['CALLBELL_API_TOKEN'],
        message: 'required when CALLBELL_ENABLED=true',
      });
  });
export type OrdersConfig = z.infer<typeof ordersEnv>;
