import { HttpClient, RetryableError } from '@cauce/base';
import { z } from 'zod';
import type { RobotOrderPayload } from './mapper.ts';

/** Robot API answer; unknown extra fields are kept. */
export const robotResponse = z.looseObject({
  success: z.boolean().optional(),
  data: z.looseObject({ ordenName: z.string().optional() }).nullish(),
  error: z.unknown().optional(),
  message: z.unknown().optional(),
});
export type RobotResponse = z.infer<typeof robotResponse>;

export interface BiginRobotOptions {
  /** Full URL of the create-order endpoint, e.g. http://localhost:3000/bigin/create-order. */
  url: string;
  timeoutMs: number;
}

/**
 * The Bigin "Robot API" (a browser robot that creates the order in Bigin). One call, no
 * in-process retries: the queue owns retries so every attempt is audited in actions_log.
 */
export class BiginRobotClient {
  private readonly http: HttpClient;
  private readonly path: string;

  constructor(opts: BiginRobotOptions) {
    const u = new URL(opts.url);
    this.path = `${u.pathname}${u.search}`;
    this.http = new HttpClient({
      provider: 'bigin-robot',
      baseUrl: u.origin,
      timeoutMs: opts.timeoutMs,
      retries: 0,
    });
  }

  /** Returns the parsed answer, whatever `success` says; throws RetryableError on 5xx/timeouts. */
  async createOrder(payload: RobotOrderPayload): Promise<RobotResponse> {
    const res = await this.http.post<unknown>(this.path, payload);
    const parsed = robotResponse.safeParse(res.body);
    if (!parsed.success) throw new RetryableError('bigin-robot answered a body that is not an object');
    return parsed.data;
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
