// PicoLinkApi over the test bridge's WebSocket, for the renderer when it runs in a plain browser
// (Chromium under playwright, or `vite dev`) instead of behind the Electron preload. Browser
// code: no Node imports, the global WebSocket, types only from the contract.
import type { EventChannel, EventOf, PicoLinkApi, RequestChannel, RequestOf, ResponseOf } from './contract.ts';
import type { BridgeRequest, BridgeServerMessage } from './bridge-protocol.ts';
import { EventListeners } from './event-listeners.ts';

export interface BridgeClient extends PicoLinkApi {
  /** Closes the socket; pending requests fail. */
  close(): void;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/** ws://host/bridge for the page's own origin, which served the renderer. */
export function bridgeUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/bridge`;
}

/**
 * Opens the bridge. Requests made before the socket is open are sent once it opens, so the UI
 * can start asking at once; if the socket fails or closes, every pending request rejects.
 */
export function createBridgeClient(url: string): BridgeClient {
  const socket = new WebSocket(url);
  const pending = new Map<number, Pending>();
  const listeners = new EventListeners();
  const queued: string[] = [];
  let nextId = 1;
  let closedReason: string | null = null;

  const failAll = (reason: string): void => {
    closedReason = reason;
    for (const p of pending.values()) p.reject(new Error(reason));
    pending.clear();
    queued.length = 0;
  };

  socket.addEventListener('open', () => {
    for (const text of queued.splice(0)) socket.send(text);
  });
  socket.addEventListener('error', () => failAll(`the bridge at ${url} failed`));
  socket.addEventListener('close', (e) => failAll(`the bridge at ${url} closed${e.reason ? `: ${e.reason}` : ''}`));
  socket.addEventListener('message', (e) => {
    if (typeof e.data !== 'string') return;
    let message: BridgeServerMessage;
    try {
      message = JSON.parse(e.data) as BridgeServerMessage;
    } catch {
      return;
    }
    if (message.type === 'event') {
      listeners.emit(message.channel, message.payload);
      return;
    }
    if (message.id === null) return;
    const p = pending.get(message.id);
    if (!p) return;
    pending.delete(message.id);
    if (message.ok) p.resolve(message.result);
    else p.reject(new Error(message.error));
  });

  return {
    request<C extends RequestChannel>(channel: C, payload: RequestOf<C>): Promise<ResponseOf<C>> {
      if (closedReason !== null) return Promise.reject(new Error(closedReason));
      const id = nextId++;
      const message: BridgeRequest = { type: 'request', id, channel, payload };
      const text = JSON.stringify(message);
      return new Promise<ResponseOf<C>>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        if (socket.readyState === WebSocket.OPEN) socket.send(text);
        else queued.push(text);
      });
    },
    on<C extends EventChannel>(channel: C, listener: (payload: EventOf<C>) => void): () => void {
      return listeners.on(channel, listener);
    },
    close(): void {
      socket.close();
      failAll('the bridge client was closed');
    },
  };
}
