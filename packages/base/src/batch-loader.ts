import DataLoader from 'dataloader';

/**
 * A DataLoader that gathers the calls made by concurrent jobs until the event loop has handled
 * the I/O already waiting (setImmediate), so jobs whose replies arrived together share one
 * batch. No cache: every call reaches the batch function (a retry must see fresh data).
 */
export function createBatchLoader<K, V>(
  batch: (keys: readonly K[]) => Promise<ArrayLike<V | Error>>,
  maxBatchSize: number,
  /**
   * Held before a batch closes (e.g. until the provider budget has room): calls made meanwhile
   * join the batch, so a spent budget makes batches bigger rather than a queue longer.
   */
  beforeBatch?: () => Promise<void>,
): DataLoader<K, V> {
  return new DataLoader<K, V>(batch, {
    cache: false,
    maxBatchSize,
    batchScheduleFn: beforeBatch
      ? (run) => {
          beforeBatch().then(
            () => setImmediate(run),
            () => setImmediate(run),
          );
        }
      : (run) => setImmediate(run),
  });
}
