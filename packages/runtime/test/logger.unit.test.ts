import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, lazyChild, lazyRequestLogger } from '../src/logger.ts';

function capture(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const log = createLogger('test', level, {}, stream);
  return { log, lines };
}

/** Counts the children `log` makes from now on (`.n`). */
function countChildren(log: ReturnType<typeof createLogger>) {
  const counter = { n: 0 };
  const child = log.child.bind(log);
  log.child = ((...a: Parameters<typeof log.child>) => {
    counter.n++;
    return child(...a);
  }) as typeof log.child;
  return counter;
}

describe('lazyChild', () => {
  it('makes no child while its level is off, one child with the bindings once it logs', () => {
    const { log, lines } = capture('warn');
    const children = countChildren(log);
    const jobLog = lazyChild(log, { jobId: 'j1', email: 'ana@example.com' });
    jobLog.debug('skipped');
    jobLog.info({ n: 1 }, 'skipped too');
    expect(children.n).toBe(0);
    jobLog.warn({ n: 2 }, 'kept');
    jobLog.error('also kept');
    expect(children.n).toBe(1);
    expect(lines).toMatchObject([
      { level: 40, jobId: 'j1', n: 2, msg: 'kept' },
      { level: 50, jobId: 'j1', msg: 'also kept' },
    ]);
    // The child's bindings are redacted like any other field.
    expect(lines[0]!.email).toBe('[redacted]');
  });
});

describe('lazyRequestLogger', () => {
  it('is a full logger for Fastify that builds its child only for an enabled line', () => {
    const { log, lines } = capture('warn');
    const children = countChildren(log);
    const reqLog = lazyRequestLogger(log, { reqId: 'req-1' }, {});
    for (const m of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'child'] as const)
      expect(typeof reqLog[m]).toBe('function');
    reqLog.info({ res: { statusCode: 202 } }, 'request completed');
    expect(children.n).toBe(0);
    expect(reqLog.level).toBe('warn');
    reqLog.error({ n: 1 }, 'failed');
    expect(children.n).toBe(1);
    expect(lines).toEqual([expect.objectContaining({ reqId: 'req-1', n: 1, msg: 'failed' })]);
    // A route with its own level gets a real child at once.
    expect(lazyRequestLogger(log, { reqId: 'req-2' }, { level: 'debug' }).level).toBe('debug');
  });
});
