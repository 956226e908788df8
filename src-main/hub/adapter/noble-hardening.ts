// noble parses every HCI event in one function that reads fields without checking lengths, and
// runs in the socket's data callback: one short or malformed event from a controller (a dongle's
// reset announcement, a firmware bug, line noise on a UART) throws there and takes the whole
// process down. Patched once on the module noble loaded: a packet that fails to parse is dropped
// and reported, and the hub carries on. noble also keeps the first fragment of an ACL packet per
// connection handle until the rest arrives, and never forgets it if the connection ends in
// between; the patch forgets it when the controller reports the disconnection. It also installs
// the per-link outbound count (noble-outbound.ts), inside this wrapper so a parse failure cannot
// lose a completion report, and follows each connection's data length and PHY (noble-link-layer.ts).
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { HciStatus } from '../../hci/constants.ts';
import { peekEvent } from '../../hci/event.ts';
import { DisconnectionComplete } from '../../hci/events.ts';
import { watchLinkLayer } from './noble-link-layer.ts';
import { countNobleOutbound } from './noble-outbound.ts';

export interface HciFault {
  error: Error;
  /** The packet, in hex, as the controller sent it. */
  packet: string;
}

export const hciFaults = new EventEmitter<{ fault: [HciFault] }>();

interface HciPrototype {
  onSocketData(this: HciState, data: Buffer): void;
  picolinkHardened?: boolean;
}

interface HciState {
  /** Partly received ACL packets by connection handle. */
  _handleBuffers?: Record<number, unknown>;
}

/** The handle of a successful HCI_Disconnection_Complete (Core 5.4 Vol 4 Part E 7.7.5), else null. */
function disconnectedHandle(data: Buffer): number | null {
  const e = peekEvent(data, DisconnectionComplete);
  return e?.status === HciStatus.SUCCESS ? e.connectionHandle : null;
}

export function hardenNoble(): void {
  const require = createRequire(import.meta.url);
  const Hci = require(require.resolve('@stoprocent/noble/lib/hci-socket/hci.js')) as { prototype: HciPrototype };
  const proto = Hci.prototype;
  if (typeof proto.onSocketData !== 'function') throw new Error('this version of noble has no Hci.onSocketData; noble-hardening needs updating');
  if (proto.picolinkHardened) return;
  countNobleOutbound();
  const parse = proto.onSocketData;
  proto.onSocketData = function (data: Buffer) {
    try {
      parse.call(this, data);
    } catch (e) {
      hciFaults.emit('fault', { error: e as Error, packet: Buffer.from(data).toString('hex') });
    }
    const handle = disconnectedHandle(data);
    if (handle !== null && this._handleBuffers) delete this._handleBuffers[handle];
    watchLinkLayer(this, data);
  };
  proto.picolinkHardened = true;
}
