import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { ALL_QUEUES, JOB_TYPES, JOBS, JobContractError, Producer, QUEUES } from '../src/index.ts';

// No Redis here: every refusal below happens before the Producer opens a queue.
const producer = new Producer({ host: '127.0.0.1', port: 1, lazyConnect: true });

describe('job registry', () => {
  it('has an entry for every job name, and every queue carries at least one job', () => {
    expect(Object.keys(JOB_TYPES).sort()).toEqual(Object.values(JOBS).sort());
    const carried = new Set(Object.values(JOB_TYPES).flatMap((t) => [...t.queues]));
    expect(ALL_QUEUES.filter((q) => !carried.has(q))).toEqual([]);
  });

  it('refuses a stored job on a queue that is not its own, or with an unknown name', async () => {
    await expect(
      producer.addStored(QUEUES.stagingCsv, JOBS.webhookEvent, {
        webhookEventId: '1',
        provider: 'beds24',
        eventType: 'MODIFY',
      }),
    ).rejects.toThrow(JobContractError);
    await expect(producer.addStored(QUEUES.stagingCsv, 'no-such-job', {})).rejects.toThrow(
      /unknown job name/,
    );
  });

  it('refuses a payload its schema does not read (before anything is added)', async () => {
    await expect(
      producer.addStored(QUEUES.stagingUnify, JOBS.stagingUnify, { runId: 'not a number' }),
    ).rejects.toThrow(ZodError);
    await expect(
      // @ts-expect-error the registry puts bigin-create-order on bigin-orders only
      producer.add(QUEUES.callbellNotify, JOBS.biginCreateOrder, { orderId: 1 }),
    ).rejects.toThrow(JobContractError);
  });
});
