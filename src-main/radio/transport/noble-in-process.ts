// noble attached to a virtual controller in process, with no pty: for platforms without
// pseudo-terminals (Windows) and for tests. noble's HCI bindings take their socket from
// @stoprocent/bluetooth-hci-socket; we hand them one that speaks to a HostEnd instead, in place
// before noble initialises (it does so lazily, on the first stateChange listener).
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import type { Noble } from '@stoprocent/noble';
import { encodeCommand } from '../../hci/command.ts';
import { Reset } from '../../hci/commands/baseband.ts';
import { HCI_ACLDATA_PKT, HCI_EVENT_PKT } from '../../hci/constants.ts';
import { peekEvent } from '../../hci/event.ts';
import { CommandComplete } from '../../hci/events.ts';
import { encodePacket } from '../../hci/packets.ts';
import { H4Framer } from '../../hci/h4-framer.ts';
import type { HostEnd } from '../../hci/host-end.ts';

/** The socket interface noble's Hci uses (bluetooth-hci-socket's uart driver has the same). */
export class InProcessHciSocket extends EventEmitter {
  private up = false;
  private started = false;
  private readonly pending: Buffer[] = [];
  private readonly framer = new H4Framer({ accept: [HCI_EVENT_PKT, HCI_ACLDATA_PKT], maxAclLength: 0xffff });

  constructor(private readonly host: HostEnd) {
    super();
    host.onReceive((bytes) => this.receive(bytes));
  }

  setFilter(): void {}
  bindControl(): void {}
  bindUser(): void {}
  bindRaw(): void {
    this.reset();
  }
  isDevUp(): boolean {
    return this.up;
  }
  start(): void {
    this.started = true;
  }
  stop(): void {
    this.started = false;
    this.up = false;
    this.host.close();
  }
  getDeviceList(): Promise<unknown[]> {
    return Promise.resolve([{ devId: null, devUp: this.up, idVendor: null, idProduct: null }]);
  }

  /** Writes wait until the controller has answered the first reset, as on a UART. */
  write(data: Buffer): void {
    if (this.up) this.host.send(data);
    else this.pending.push(data);
  }

  reset(): void {
    this.host.send(encodePacket(encodeCommand(Reset, {})));
  }

  private receive(bytes: Uint8Array): void {
    for (const out of this.framer.push(bytes)) {
      if (out.kind !== 'packet') continue;
      const completed = commandCompleted(out.bytes);
      if (this.up && completed === NOP_OPCODE) {
        // The controller powered up afresh (a dongle replugged, a reset): everything noble set up
        // in it is gone. Report the device down, as a kernel socket would, and bring it up again.
        this.up = false;
        this.emit('state', false);
        // noble re-initialises when the device comes back up, starting with its own HCI_Reset.
        this.up = true;
        this.emit('state', true);
        continue;
      }
      if (!this.up) {
        if (completed === Reset.opcode) {
          this.up = true;
          for (const p of this.pending.splice(0)) this.host.send(p);
          this.emit('state', true);
        }
        continue;
      }
      if (this.started) this.emit('data', Buffer.from(out.bytes));
    }
  }
}

/** Command_Opcode 0x0000: a controller announcing it is ready (Core 5.4 Vol 4 Part E 4.4). */
const NOP_OPCODE = 0x0000;

/** The opcode a Command Complete answers, or null for any other packet (or a malformed one). */
function commandCompleted(h4: Uint8Array): number | null {
  return peekEvent(h4, CommandComplete)?.commandOpcode ?? null;
}

interface HciInternals {
  _bindParams?: { picolinkHost?: HostEnd };
  _socket: unknown;
}

/**
 * Teaches noble's Hci to take its socket from bindParams.picolinkHost. Patched on the prototype
 * of the very module noble loaded, so it works whenever noble was first imported.
 */
function patchNobleHci(require: NodeJS.Require): void {
  const hciPath = require.resolve('@stoprocent/noble/lib/hci-socket/hci.js');
  const Hci = require(hciPath) as { prototype: { init(...a: unknown[]): unknown; picolinkPatched?: boolean } };
  if (typeof Hci.prototype.init !== 'function') throw new Error('this version of noble has no Hci.init; in-process attach needs updating');
  if (Hci.prototype.picolinkPatched) return;
  const init = Hci.prototype.init;
  Hci.prototype.init = function (this: HciInternals, ...args: unknown[]) {
    const host = this._bindParams?.picolinkHost;
    // Hci re-runs init when the device comes up after a poweredOff state: keep the first socket.
    if (host && !(this._socket instanceof InProcessHciSocket)) this._socket = new InProcessHciSocket(host);
    return init.apply(this, args);
  };
  Hci.prototype.picolinkPatched = true;
}

/** A noble instance whose HCI socket is the in-process transport `host`. */
export function nobleInProcess(host: HostEnd): Noble {
  const require = createRequire(import.meta.url);
  patchNobleHci(require);
  const { withBindings } = require('@stoprocent/noble') as typeof import('@stoprocent/noble');
  // The uart driver's constructor opens nothing; its socket is replaced before init binds it.
  return withBindings('hci', { hciDriver: 'uart', bindParams: { picolinkHost: host } } as Parameters<typeof withBindings>[1]);
}
