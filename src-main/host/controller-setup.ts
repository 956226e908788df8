// Bringing the controller up for ble.active(True), as BTstack's hci.c power-on does for an LE-only
// controller: reset, read the address and the LE ACL buffers, set the event masks. Synchronous
// steps chained by command callbacks; MicroPython gives up after 15 s with ETIMEDOUT
// (BTSTACK_INIT_DEINIT_TIMEOUT_MS in modbluetooth_btstack.c).
import type { Clock } from '../radio/air/clock.ts';
import { ByteReader } from '../radio/hci/bytes.ts';
import * as C from '../radio/hci/constants.ts';
import { BleError, Errno } from './ble-error.ts';
import { HCI_STATUS_CANCELLED, HCI_STATUS_TIMEOUT, type HciLink } from './hci-link.ts';

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
export function startController(link: HciLink, clock: Clock, cancelled: () => boolean, done: (err: BleError | null, info: ControllerInfo | null) => void): void {
  const info: ControllerInfo = { publicAddress: new Uint8Array(6) };
  let finished = false;
  const finish = (err: BleError | null): void => {
    if (finished || cancelled()) return;
    finished = true;
    timer.cancel();
    done(err, err ? null : info);
  };
  const timer = clock.at(clock.now() + INIT_TIMEOUT_MS, () => finish(new BleError(Errno.ETIMEDOUT, 'controller did not come up')));

  const steps: [opcode: number, params?: Uint8Array][] = [
    [C.HCI_RESET],
    [C.HCI_READ_BD_ADDR],
    [C.HCI_LE_READ_BUFFER_SIZE],
    [C.HCI_SET_EVENT_MASK, EVENT_MASK],
    [C.HCI_LE_SET_EVENT_MASK, LE_EVENT_MASK],
  ];
  const run = (i: number): void => {
    if (finished || cancelled()) return;
    const step = steps[i];
    if (!step) return finish(null);
    const [opcode, params] = step;
    link.command(opcode, params, (status, ret) => {
      if (status === HCI_STATUS_CANCELLED) return;
      if (status === HCI_STATUS_TIMEOUT) return run(i); // BTstack resends until its init timeout
      if (status !== 0) return finish(new BleError(Errno.EINVAL, `controller set-up failed: ${C.statusName(status)}`));
      const r = new ByteReader(ret);
      if (opcode === C.HCI_READ_BD_ADDR) info.publicAddress = r.bytesN(6);
      if (opcode === C.HCI_LE_READ_BUFFER_SIZE) {
        const length = r.u16();
        const count = r.u8();
        // 7.8.2: zero means "use the shared BR/EDR buffers" (HCI_Read_Buffer_Size).
        if (length === 0 || count === 0) return readSharedBuffers(i + 1);
        link.setAclBuffers(length, count);
      }
      run(i + 1);
    });
  };
  const readSharedBuffers = (resume: number): void => {
    link.command(C.HCI_READ_BUFFER_SIZE, new Uint8Array(0), (status, ret) => {
      if (status !== 0) return finish(new BleError(Errno.EINVAL, 'controller reports no ACL buffers'));
      const r = new ByteReader(ret);
      const length = r.u16();
      r.u8();
      link.setAclBuffers(length, r.u16());
      run(resume);
    });
  };
  run(0);
}
