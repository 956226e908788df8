// Bringing the controller up for ble.active(True), as BTstack's hci.c power-on does for an LE-only
// controller: reset, read the address and the LE ACL buffers, set the event masks. Synchronous
// steps chained by command callbacks; MicroPython gives up after 15 s with ETIMEDOUT
// (BTSTACK_INIT_DEINIT_TIMEOUT_MS in modbluetooth_btstack.c).
import type { Clock } from '../hci/clock.ts';
import type { CommandDef } from '../hci/command.ts';
import { Reset, SetEventMask } from '../hci/commands/baseband.ts';
import { ReadBdAddr, ReadBufferSize } from '../hci/commands/informational.ts';
import { LeReadBufferSize, LeSetEventMask } from '../hci/commands/le-controller.ts';
import { statusName } from '../hci/constants.ts';
import type { Spec, Value } from '../hci/struct.ts';
import { BleError, Errno } from './ble-error.ts';
import { HCI_STATUS_CANCELLED, HCI_STATUS_TIMEOUT, type HciTransport } from './hci-transport.ts';

export const INIT_TIMEOUT_MS = 15_000;

/**
 * HCI_Set_Event_Mask (Core 5.4 Vol 4 Part E 7.3.1) as BTstack sets it: 0xFFFFFFFF, 0x3FFFFFFF
 * (everything up to and including LE Meta, bit 61).
 */
const EVENT_MASK = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f]);
/**
 * HCI_LE_Set_Event_Mask (7.8.1): Connection Complete, Advertising Report, Connection Update
 * Complete, Read Remote Features Complete, LTK Request, Data Length Change. The enhanced
 * connection complete stays masked, so the controller sends the legacy one.
 */
const LE_EVENT_MASK = Uint8Array.from([0x5f, 0, 0, 0, 0, 0, 0, 0]);

export interface ControllerInfo {
  /** BD_ADDR in HCI (little-endian) order; all zeros if the controller has none. */
  publicAddress: Uint8Array;
}

/** Runs the power-on sequence; `done` is called exactly once unless `cancelled()` turns true first. */
export function startController(hci: HciTransport, clock: Clock, cancelled: () => boolean, done: (err: BleError | null, info: ControllerInfo | null) => void): void {
  const info: ControllerInfo = { publicAddress: new Uint8Array(6) };
  let finished = false;
  const finish = (err: BleError | null): void => {
    if (finished || cancelled()) return;
    finished = true;
    timer.cancel();
    done(err, err ? null : info);
  };
  const timer = clock.at(clock.now() + INIT_TIMEOUT_MS, () => finish(new BleError(Errno.ETIMEDOUT, 'controller did not come up')));

  /** Sends a command; a timeout sends it again (BTstack resends until its init timeout), a refusal ends it all. */
  const step = <P extends Spec, R extends Spec>(def: CommandDef<P, R>, params: Value<P>, then: (returns: Value<R>) => void): void => {
    if (finished || cancelled()) return;
    hci.command(def, params, (a) => {
      if (a.status === HCI_STATUS_CANCELLED) return;
      if (a.status === HCI_STATUS_TIMEOUT) return step(def, params, then);
      if (!a.ok) return finish(new BleError(Errno.EINVAL, `controller set-up failed: ${statusName(a.status)}`));
      if (!finished && !cancelled()) then(a.returns);
    });
  };
  const setEventMasks = (): void => step(SetEventMask, { eventMask: EVENT_MASK }, () => step(LeSetEventMask, { leEventMask: LE_EVENT_MASK }, () => finish(null)));
  const readLeBuffers = (): void =>
    step(LeReadBufferSize, {}, (r) => {
      // 7.8.2: zero means "use the shared BR/EDR buffers" (HCI_Read_Buffer_Size).
      if (r.leAclDataPacketLength === 0 || r.totalNumLeAclDataPackets === 0) return readSharedBuffers();
      hci.setAclBuffers(r.leAclDataPacketLength, r.totalNumLeAclDataPackets);
      setEventMasks();
    });
  const readSharedBuffers = (): void =>
    hci.command(ReadBufferSize, {}, (a) => {
      if (!a.ok) return finish(new BleError(Errno.EINVAL, 'controller reports no ACL buffers'));
      hci.setAclBuffers(a.returns.aclDataPacketLength, a.returns.totalNumAclDataPackets);
      setEventMasks();
    });
  step(Reset, {}, () =>
    step(ReadBdAddr, {}, (r) => {
      info.publicAddress = r.bdAddr;
      readLeBuffers();
    }),
  );
}
