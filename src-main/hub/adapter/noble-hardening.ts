// noble parses every HCI event in one function that reads fields without checking lengths, and
// runs in the socket's data callback: one short or malformed event from a controller (a dongle's
// reset announcement, a firmware bug, line noise on a UART) throws there and takes the whole
// process down. Patched once on the module noble loaded: a packet that fails to parse is dropped
// and reported, and the hub carries on.
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';

export interface HciFault {
  error: Error;
  /** The packet, in hex, as the controller sent it. */
  packet: string;
}

export const hciFaults = new EventEmitter<{ fault: [HciFault] }>();

interface HciPrototype {
  onSocketData(this: unknown, data: Buffer): void;
  picolinkHardened?: boolean;
}

export function hardenNoble(): void {
  const require = createRequire(import.meta.url);
  const Hci = require(require.resolve('@stoprocent/noble/lib/hci-socket/hci.js')) as { prototype: HciPrototype };
  const proto = Hci.prototype;
  if (typeof proto.onSocketData !== 'function') throw new Error('this version of noble has no Hci.onSocketData; noble-hardening needs updating');
  if (proto.picolinkHardened) return;
  const parse = proto.onSocketData;
  proto.onSocketData = function (data: Buffer) {
    try {
      parse.call(this, data);
    } catch (e) {
      hciFaults.emit('fault', { error: e as Error, packet: Buffer.from(data).toString('hex') });
    }
  };
  proto.picolinkHardened = true;
}
