// An in-process HCI transport: the host end is a plain object, for our own host stacks and for
// noble on platforms without pseudo-terminals.
import type { HostEnd } from '../../hci/host-end.ts';
import type { HostPort } from './host-port.ts';

/** Creates a connected pair. Delivery is asynchronous in both directions, as on a wire. */
export function createInProcessPair(): { port: HostPort; host: HostEnd } {
  let toController: ((b: Uint8Array) => void) | null = null;
  let toHost: ((b: Uint8Array) => void) | null = null;
  let closed = false;
  const deliver = (target: ((b: Uint8Array) => void) | null, bytes: Uint8Array): void => {
    if (closed || !target) return;
    const copy = bytes.slice();
    queueMicrotask(() => {
      if (!closed) target(copy);
    });
  };
  const close = (): void => {
    closed = true;
  };
  return {
    port: {
      write: (bytes) => deliver(toHost, bytes),
      onData: (r) => {
        toController = r;
      },
      close,
    },
    host: {
      send: (bytes) => deliver(toController, bytes),
      onReceive: (r) => {
        toHost = r;
      },
      close,
    },
  };
}
