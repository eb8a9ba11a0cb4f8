/**
 * Custom BullMQ backoff: `{ type: 'geometric-x5', delay: 5000 }` waits delay * 5^(n-1) before
 * retry n (5 s, 25 s, 125 s …) — BullMQ's built-in 'exponential' only doubles.
 * `timeScale` shrinks every delay (tests run the real schedule at 1/1000 of the time).
 */
export function backoffDelay(
  type: string | undefined,
  delay: number,
  attemptsMade: number,
  timeScale = 1,
): number {
  const m = /^geometric-x(\d+(?:\.\d+)?)$/.exec(type ?? '');
  const factor = m ? Number(m[1]) : 2;
  return Math.round(delay * factor ** Math.max(0, attemptsMade - 1) * timeScale);
}

/** The full retry schedule for a job with `attempts` attempts (for docs and tests). */
export function backoffSchedule(type: string, delay: number, attempts: number): number[] {
  return Array.from({ length: Math.max(0, attempts - 1) }, (_, i) => backoffDelay(type, delay, i + 1));
}
