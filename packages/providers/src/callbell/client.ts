import { HttpClient, type ProviderBudget, RetryableError } from '@cauce/base';

export interface CallbellOptions {
  /** e.g. https://api.callbell.eu/v1 */
  baseUrl: string;
  token: string;
  channelUuid?: string;
  timeoutMs?: number;
  /** The account's fleet-wide budget (every replica's sends take from it). */
  budget?: ProviderBudget;
}

export interface CallbellSent {
  message: { uuid: string; status: string };
}

/** CallBell messages API: POST /messages/send (asynchronous; answers `enqueued`). */
export class CallbellClient {
  private readonly http: HttpClient;

  constructor(private readonly opts: CallbellOptions) {
    this.http = new HttpClient({
      provider: 'callbell',
      baseUrl: opts.baseUrl,
      timeoutMs: opts.timeoutMs ?? 15_000,
      retries: 0,
      ...(opts.budget ? { budget: opts.budget } : {}),
      headers: () => ({ authorization: `Bearer ${opts.token}` }),
    });
  }

  async sendText(to: string, text: string): Promise<CallbellSent> {
    const res = await this.http.post<CallbellSent>('/messages/send', {
      to,
      from: 'whatsapp',
      type: 'text',
      content: { text },
      ...(this.opts.channelUuid ? { channel_uuid: this.opts.channelUuid } : {}),
    });
    if (!res.body?.message?.uuid) throw new RetryableError('callbell answered without a message uuid');
    return res.body;
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
