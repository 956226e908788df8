// Where the UI gets its PicoLinkApi: the Electron preload's `window.picolink`, or else the
// WebSocket bridge client (src-main/ipc/ws-client.ts) at ws(s)://<this host>/bridge or the
// `?bridge=` query parameter. Events are checked against the contract before the UI sees them:
// a bad one is dropped and logged, never half-used.
import { events, type EventChannel, type EventOf, type PicoLinkApi } from '../../../src-main/ipc/contract.ts';
import { bridgeUrl as sameOriginBridgeUrl, createBridgeClient } from '../../../src-main/ipc/ws-client.ts';

declare global {
  interface Window {
    picolink?: PicoLinkApi;
  }
}

let cached: PicoLinkApi | null = null;

/** The bridge endpoint: the `?bridge=` query parameter, else ws(s)://<this host>/bridge. */
export function bridgeUrl(location: { protocol: string; host: string; search: string }): string {
  const param = new URLSearchParams(location.search).get('bridge');
  return param || sameOriginBridgeUrl(location);
}

export function getApi(): PicoLinkApi {
  cached ??= window.picolink ?? createBridgeClient(bridgeUrl(window.location));
  return cached;
}

/** Subscribes to a channel, passing on only payloads that match the contract. */
export function onValid<C extends EventChannel>(api: PicoLinkApi, channel: C, listener: (payload: EventOf<C>) => void): () => void {
  const schema = events[channel];
  return api.on(channel, (payload: unknown) => {
    const r = schema.safeParse(payload);
    if (!r.success) {
      console.warn(`dropped a ${channel} event that does not match the contract:`, r.error.issues.slice(0, 3));
      return;
    }
    listener(r.data as EventOf<C>);
  });
}
