import { siigo } from '@cauce/providers';
import type { RedisConnection } from '@cauce/runtime';

/**
 * Appends events to the stream and publishes each one in the same Lua call, so stream order and
 * publish order agree across replicas. The stream id is the SSE event id: a browser that
 * reconnects with Last-Event-ID gets exactly what it missed (XRANGE after that id). Trimmed by
 * count (MAXLEN) and by age (MINID) so Redis memory stays bounded.
 */
const PUBLISH_EVENTS = `
local ids = {}
for i = 3, #ARGV do
  local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'event', ARGV[i])
  redis.call('PUBLISH', KEYS[2], id .. ' ' .. ARGV[i])
  ids[#ids + 1] = id
end
redis.call('XTRIM', KEYS[1], 'MINID', '~', ARGV[2])
return ids`;

export async function publishStockEvents(
  redis: RedisConnection,
  prefix: string,
  events: readonly siigo.StockEvent[],
  { retentionMs, maxLen }: { retentionMs: number; maxLen: number },
): Promise<string[]> {
  if (!events.length) return [];
  const keys = siigo.stockRedisKeys(prefix);
  const minId = `${Math.max(0, Date.now() - retentionMs)}-0`;
  return (await redis.eval(
    PUBLISH_EVENTS,
    2,
    keys.eventStream,
    keys.eventChannel,
    String(maxLen),
    minId,
    ...events.map((e) => JSON.stringify(e)),
  )) as string[];
}
