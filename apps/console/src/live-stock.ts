import { useEffect, useRef, useState } from 'preact/hooks';

/** A stock change as /api/stock/ws sends it: the source system's payload plus its stream id. */
export interface StockChange {
  eventId: string;
  productId: string;
  siigoProductId: string;
  productName: string;
  oldStock: number | null;
  newStock: number;
  source: string;
  timestamp: string;
}

const KEEP = 50;
const RETRY_MS = 2000;

/**
 * Live stock changes over the WebSocket (session cookie), newest first. After a drop it
 * reconnects with the last seen id, so nothing that happened meanwhile is missed.
 */
export function useLiveStock(onChange?: () => void): { changes: StockChange[]; connected: boolean } {
  const [changes, setChanges] = useState<StockChange[]>([]);
  const [connected, setConnected] = useState(false);
  const notify = useRef(onChange);
  notify.current = onChange;
  useEffect(() => {
    let ws: WebSocket | null = null;
    let lastId = '';
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const open = () => {
      const url = new URL('/api/stock/ws', location.href);
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
      if (lastId) url.searchParams.set('lastEventId', lastId);
      ws = new WebSocket(url);
      ws.onopen = () => setConnected(true);
      ws.onmessage = (m) => {
        const msg = JSON.parse(String(m.data)) as StockChange & { type?: string };
        if (msg.type === 'gap') return notify.current?.();
        lastId = msg.eventId;
        setChanges((list) => [msg, ...list].slice(0, KEEP));
        notify.current?.();
      };
      ws.onclose = () => {
        setConnected(false);
        if (!stopped) timer = setTimeout(open, RETRY_MS);
      };
    };
    open();
    return () => {
      stopped = true;
      clearTimeout(timer);
      ws?.close();
    };
  }, []);
  return { changes, connected };
}
