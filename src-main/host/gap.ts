// GAP for bluetooth.BLE: advertising, scanning and connection creation, with the HCI commands and
// parameters MicroPython's BTstack binding sends (modbluetooth_btstack.c: mp_bluetooth_gap_*) and
// BTstack's own habits (hci.c): advertising comes back after a peripheral link closes, scan
// results are not de-duplicated, a failed LE connection still reaches the IRQ handler.
import type { Clock, Timer } from '../radio/air/clock.ts';
import { ByteReader, ByteWriter } from '../radio/hci/bytes.ts';
import * as C from '../radio/hci/constants.ts';
import { BleError, Errno } from './ble-error.ts';
import type { HciLink } from './hci-link.ts';
import { IRQ, type IrqSink } from './irq.ts';

/** BD_ADDR as MicroPython shows it (most significant octet first) from HCI order, and back. */
export const reverse = (a: Uint8Array): Uint8Array => a.slice().reverse();

export interface GapHooks {
  irq: IrqSink;
  log(message: string): void;
  /** Own_Address_Type for advertising, scanning and initiating: 0 public, 1 random static. */
  ownAddressType(): number;
  /** Links on which we are the peripheral. */
  peripheralLinks(): number;
}

interface ScanParams {
  active: boolean;
  interval: number;
  window: number;
}

export class Gap {
  private advertisingWanted = false;
  private advertisingOnAir = false;
  private scanning: ScanParams | null = null;
  private scanTimer: Timer | null = null;
  private connecting: { addrType: number; addr: Uint8Array; answered: boolean; cancelled: boolean } | null = null;

  constructor(
    private readonly link: HciLink,
    private readonly clock: Clock,
    private readonly hooks: GapHooks,
  ) {}

  /** Forgets everything (the controller was reset or is going away). */
  reset(): void {
    this.scanTimer?.cancel();
    this.scanTimer = null;
    this.scanning = null;
    this.advertisingWanted = false;
    this.advertisingOnAir = false;
    this.connecting = null;
  }

  // ---- advertising: mp_bluetooth_gap_advertise_start / _stop ----------------------------------

  advertise(intervalUs: number, adv: Uint8Array | null, rsp: Uint8Array | null, connectable: boolean): void {
    const units = Math.floor(intervalUs / 625) & 0xffff; // "rounded down to the nearest 625us"
    if (this.advertisingOnAir) this.setAdvertising(false);
    const p = new ByteWriter(15)
      .u16(units)
      .u16(units)
      .u8(connectable ? C.ADV_IND : C.ADV_SCAN_IND) // adv_type = connectable ? 0 : 2
      .u8(this.hooks.ownAddressType())
      .u8(0)
      .fixed(new Uint8Array(0), 6)
      .u8(0x07) // all three channels
      .u8(0x00);
    this.command(C.HCI_LE_SET_ADVERTISING_PARAMETERS, p.finish());
    // None keeps the data of the previous call; b'' clears it.
    if (adv) this.command(C.HCI_LE_SET_ADVERTISING_DATA, advertisingData(adv));
    if (rsp) this.command(C.HCI_LE_SET_SCAN_RESPONSE_DATA, advertisingData(rsp));
    this.advertisingWanted = true;
    this.rolesChanged();
  }

  stopAdvertising(): void {
    this.advertisingWanted = false;
    if (this.advertisingOnAir) this.setAdvertising(false);
  }

  /**
   * hci_update_advertisements_enabled_for_current_roles(): advertising runs while wanted and no
   * peripheral link is open (le_max_number_peripheral_connections = 1), so it resumes by itself
   * after a central disconnects. Legacy advertising stops when a link opens (Core Vol 6 Part B 4.4.2).
   */
  rolesChanged(peripheralLinkOpened = false): void {
    if (peripheralLinkOpened) this.advertisingOnAir = false;
    const want = this.advertisingWanted && this.hooks.peripheralLinks() < 1;
    if (want !== this.advertisingOnAir) this.setAdvertising(want);
  }

  private setAdvertising(on: boolean): void {
    this.advertisingOnAir = on;
    this.command(C.HCI_LE_SET_ADVERTISING_ENABLE, Uint8Array.of(on ? 1 : 0));
  }

  // ---- scanning: mp_bluetooth_gap_scan_start / _stop -----------------------------------------

  scan(durationMs: number, intervalUs: number, windowUs: number, active: boolean): void {
    if (durationMs > 0) {
      this.scanTimer?.cancel();
      this.scanTimer = this.clock.at(this.clock.now() + durationMs, () => {
        this.scanTimer = null;
        this.stopScan();
      });
    }
    const p: ScanParams = { active, interval: Math.floor(intervalUs / 625) & 0xffff, window: Math.floor(windowUs / 625) & 0xffff };
    const s = this.scanning;
    if (s && s.active === p.active && s.interval === p.interval && s.window === p.window) return;
    if (s) this.command(C.HCI_LE_SET_SCAN_ENABLE, Uint8Array.of(0, 0));
    this.command(
      C.HCI_LE_SET_SCAN_PARAMETERS,
      new ByteWriter(7).u8(active ? 1 : 0).u16(p.interval).u16(p.window).u8(this.hooks.ownAddressType()).u8(0).finish(),
    );
    this.command(C.HCI_LE_SET_SCAN_ENABLE, Uint8Array.of(1, 0)); // duplicates are reported (gap_set_scan_duplicate_filter: default false)
    this.scanning = p;
  }

  /** Stops scanning (if it runs) and always raises _IRQ_SCAN_DONE. */
  stopScan(): void {
    this.scanTimer?.cancel();
    this.scanTimer = null;
    if (this.scanning) this.command(C.HCI_LE_SET_SCAN_ENABLE, Uint8Array.of(0, 0));
    this.scanning = null;
    this.hooks.irq(IRQ.SCAN_DONE, []);
  }

  /** LE Advertising Report, Core 5.4 Vol 4 Part E 7.7.65.2 (after the subevent code): one IRQ per report. */
  advertisingReport(params: Uint8Array): void {
    const r = new ByteReader(params);
    const n = r.u8();
    for (let i = 0; i < n; i++) {
      const eventType = r.u8();
      const addrType = r.u8();
      const addr = reverse(r.bytesN(6));
      const data = r.bytesN(r.u8());
      const rssi = r.i8();
      this.hooks.irq(IRQ.SCAN_RESULT, [addrType, addr, eventType, rssi, data]);
    }
  }

  // ---- connecting: mp_bluetooth_gap_peripheral_connect / _cancel -----------------------------

  get isConnecting(): boolean {
    return this.connecting !== null;
  }

  /** `addr` as MicroPython gives it (most significant octet first). */
  connect(addrType: number, addr: Uint8Array, durationMs: number, minIntervalUs: number, maxIntervalUs: number): void {
    // gap_connect(): ERROR_CODE_COMMAND_DISALLOWED while one is pending -> btstack_error_to_errno -> EINVAL.
    if (this.connecting) throw new BleError(Errno.EINVAL, 'a connection is already being created');
    const pending = { addrType, addr: addr.slice(), answered: false, cancelled: false };
    this.connecting = pending;
    const p = new ByteWriter(25)
      .u16(60000 / 625) // conn_scan_interval
      .u16(30000 / 625) // conn_scan_window
      .u8(0) // no filter accept list
      .u8(addrType)
      .bytes(reverse(addr))
      .u8(this.hooks.ownAddressType())
      .u16(Math.floor((minIntervalUs || 10000) / 1250) & 0xffff)
      .u16(Math.floor((maxIntervalUs || 30000) / 1250) & 0xffff)
      .u16(4) // conn_latency
      .u16(Math.floor(durationMs / 10) & 0xffff) // supervision_timeout = duration_ms / 10: the binding's use of scan_duration_ms
      .u16(10000 / 625) // min_ce_length
      .u16(30000 / 625); // max_ce_length
    this.link.command(C.HCI_LE_CREATE_CONNECTION, p.finish(), (status) => {
      if (this.connecting !== pending) return;
      pending.answered = true;
      if (status !== 0) {
        // BTstack reports the refusal as an LE Connection Complete (handle 0, this status), which the
        // binding raises as _IRQ_PERIPHERAL_CONNECT without looking at the status.
        this.connecting = null;
        this.hooks.log(`LE Create Connection refused: ${C.statusName(status)}`);
        this.hooks.irq(IRQ.PERIPHERAL_CONNECT, [0, addrType, addr.slice()]);
      } else if (pending.cancelled) {
        this.command(C.HCI_LE_CREATE_CONNECTION_CANCEL, new Uint8Array(0));
      }
    });
  }

  /** gap_connect(None). The controller ends the attempt with an LE Connection Complete, Unknown Connection Identifier (7.8.13). */
  cancelConnect(): void {
    const pending = this.connecting;
    if (!pending || pending.cancelled) return;
    pending.cancelled = true;
    if (pending.answered) this.command(C.HCI_LE_CREATE_CONNECTION_CANCEL, new Uint8Array(0));
  }

  /** An LE Connection Complete in the central role ends the attempt, whatever its status. */
  connectionComplete(): void {
    this.connecting = null;
  }

  private command(opcode: number, params: Uint8Array): void {
    this.link.command(opcode, params, (status) => {
      if (status !== 0) this.hooks.log(`command 0x${opcode.toString(16).padStart(4, '0')} failed: ${C.statusName(status)}`);
    });
  }
}

/**
 * HCI_LE_Set_Advertising_Data / Scan_Response_Data (7.8.7, 7.8.8): a length octet and 31 octets.
 * BTstack sends the length it is given; the controller refuses more than 31.
 */
function advertisingData(data: Uint8Array): Uint8Array {
  return new ByteWriter(32).u8(Math.min(data.length, 0xff)).fixed(data, 31).finish();
}
