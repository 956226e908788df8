// The page's event subscriptions, per channel: shared by the Electron preload and the WebSocket
// bridge client, which differ only in how events arrive. No run-time imports: the preload is
// bundled for a sandbox that can require nothing but electron.
import type { EventChannel, EventOf } from './contract.ts';

type Listener = (payload: unknown) => void;

export class EventListeners {
  private readonly byChannel = new Map<string, Set<Listener>>();

  /** Subscribes; returns the unsubscribe function. */
  on<C extends EventChannel>(channel: C, listener: (payload: EventOf<C>) => void): () => void {
    const l = listener as Listener;
    let set = this.byChannel.get(channel);
    if (!set) this.byChannel.set(channel, (set = new Set()));
    set.add(l);
    return () => void set.delete(l);
  }

  /** Calls the listeners of `channel` (none for an unknown one); one that throws is reported and the rest still run. */
  emit(channel: string, payload: unknown): void {
    for (const l of this.byChannel.get(channel) ?? []) {
      try {
        l(payload);
      } catch (e) {
        console.error(`picolink: a ${channel} listener threw`, e);
      }
    }
  }
}
