// GAP for bluetooth.BLE: advertising, scanning and connection creation, with the HCI commands and
// parameters MicroPython's BTstack binding sends (modbluetooth_btstack.c: mp_bluetooth_gap_*) and
// BTstack's own habits (hci.c): advertising comes back after a peripheral connection closes, scan
// results are not de-duplicated, a failed LE connection still reaches the IRQ handler.
import type { Clock, Timer } from '../hci/clock.ts';
import type { CommandDef } from '../hci/command.ts';
import { LeCreateConnection, LeCreateConnectionCancel } from '../hci/commands/le-connection.ts';
import {
  LeSetAdvertisingData,
  LeSetAdvertisingEnable,
  LeSetAdvertisingParameters,
  LeSetScanResponseData,
} from '../hci/commands/le-advertising.ts';
import { LeSetScanEnable, LeSetScanParameters } from '../hci/commands/le-scanning.ts';
import * as C from '../hci/constants.ts';
import type { FieldsOf } from '../hci/event.ts';
import type { LeAdvertisingReport } from '../hci/le-events.ts';
import type { Spec, Value } from '../hci/struct.ts';
import { BleError, Errno } from './ble-error.ts';
import type { HciTransport } from './hci-transport.ts';
import { IRQ, type IrqSink } from './irq.ts';

/** BD_ADDR as MicroPython shows it (most significant octet first) from HCI order, and back. */
export const reverse = (a: Uint8Array): Uint8Array => a.slice().reverse();

export interface GapHooks {
  irq: IrqSink;
  log(message: string): void;
  /** Own_Address_Type for advertising, scanning and initiating: 0 public, 1 random static. */
  ownAddressType(): number;
  /** Connections in which we are the peripheral. */
  peripheralConnections(): number;
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
    private readonly hci: HciTransport,
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
    this.command(LeSetAdvertisingParameters, {
      advertisingIntervalMin: units,
      advertisingIntervalMax: units,
      advertisingType: connectable ? C.ADV_IND : C.ADV_SCAN_IND, // adv_type = connectable ? 0 : 2
      ownAddressType: this.hooks.ownAddressType(),
      peerAddressType: 0,
      peerAddress: new Uint8Array(6),
      advertisingChannelMap: 0x07, // all three channels
      advertisingFilterPolicy: 0x00,
    });
    // None keeps the data of the previous call; b'' clears it. BTstack sends the length it is
    // given, cut to the 31 octets of the field; the controller refuses more than 31 (7.8.7).
    if (adv) this.command(LeSetAdvertisingData, { advertisingDataLength: dataLength(adv), advertisingData: adv });
    if (rsp) this.command(LeSetScanResponseData, { scanResponseDataLength: dataLength(rsp), scanResponseData: rsp });
    this.advertisingWanted = true;
    this.rolesChanged();
  }

  stopAdvertising(): void {
    this.advertisingWanted = false;
    if (this.advertisingOnAir) this.setAdvertising(false);
  }

  /**
   * hci_update_advertisements_enabled_for_current_roles(): advertising runs while wanted and no
   * peripheral connection is open (le_max_number_peripheral_connections = 1), so it resumes by itself
   * after a central disconnects. Legacy advertising stops when a connection opens (Core Vol 6 Part B 4.4.2).
   */
  rolesChanged(peripheralConnectionOpened = false): void {
    if (peripheralConnectionOpened) this.advertisingOnAir = false;
    const want = this.advertisingWanted && this.hooks.peripheralConnections() < 1;
    if (want !== this.advertisingOnAir) this.setAdvertising(want);
  }

  private setAdvertising(on: boolean): void {
    this.advertisingOnAir = on;
    this.command(LeSetAdvertisingEnable, { advertisingEnable: on });
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
    if (s) this.command(LeSetScanEnable, { leScanEnable: 0, filterDuplicates: 0 });
    this.command(LeSetScanParameters, {
      leScanType: active ? 1 : 0,
      leScanInterval: p.interval,
      leScanWindow: p.window,
      ownAddressType: this.hooks.ownAddressType(),
      scanningFilterPolicy: 0,
    });
    this.command(LeSetScanEnable, { leScanEnable: 1, filterDuplicates: 0 }); // duplicates are reported (gap_set_scan_duplicate_filter: default false)
    this.scanning = p;
  }

  /** Stops scanning (if it runs) and always raises _IRQ_SCAN_DONE. */
  stopScan(): void {
    this.scanTimer?.cancel();
    this.scanTimer = null;
    if (this.scanning) this.command(LeSetScanEnable, { leScanEnable: 0, filterDuplicates: 0 });
    this.scanning = null;
    this.hooks.irq(IRQ.SCAN_DONE, []);
  }

  /** LE Advertising Report, Core 5.4 Vol 4 Part E 7.7.65.2: one IRQ per report. */
  advertisingReport(e: FieldsOf<typeof LeAdvertisingReport>): void {
    for (const r of e.reports) this.hooks.irq(IRQ.SCAN_RESULT, [r.addressType, reverse(r.address), r.eventType, r.rssi, r.data]);
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
    const params = {
      leScanInterval: 60000 / 625, // conn_scan_interval
      leScanWindow: 30000 / 625, // conn_scan_window
      initiatorFilterPolicy: 0, // no filter accept list
      peerAddressType: addrType,
      peerAddress: reverse(addr),
      ownAddressType: this.hooks.ownAddressType(),
      connectionIntervalMin: Math.floor((minIntervalUs || 10000) / 1250) & 0xffff,
      connectionIntervalMax: Math.floor((maxIntervalUs || 30000) / 1250) & 0xffff,
      maxLatency: 4, // conn_latency
      supervisionTimeout: Math.floor(durationMs / 10) & 0xffff, // supervision_timeout = duration_ms / 10: the binding's use of scan_duration_ms
      minCeLength: 10000 / 625, // min_ce_length
      maxCeLength: 30000 / 625, // max_ce_length
    };
    this.hci.command(LeCreateConnection, params, ({ status }) => {
      if (this.connecting !== pending) return;
      pending.answered = true;
      if (status !== 0) {
        // BTstack reports the refusal as an LE Connection Complete (handle 0, this status), which the
        // binding raises as _IRQ_PERIPHERAL_CONNECT without looking at the status.
        this.connecting = null;
        this.hooks.log(`LE Create Connection refused: ${C.statusName(status)}`);
        this.hooks.irq(IRQ.PERIPHERAL_CONNECT, [0, addrType, addr.slice()]);
      } else if (pending.cancelled) {
        this.command(LeCreateConnectionCancel, {});
      }
    });
  }

  /** gap_connect(None). The controller ends the attempt with an LE Connection Complete, Unknown Connection Identifier (7.8.13). */
  cancelConnect(): void {
    const pending = this.connecting;
    if (!pending || pending.cancelled) return;
    pending.cancelled = true;
    if (pending.answered) this.command(LeCreateConnectionCancel, {});
  }

  /** An LE Connection Complete in the central role ends the attempt, whatever its status. */
  connectionComplete(): void {
    this.connecting = null;
  }

  private command<P extends Spec>(def: CommandDef<P, Spec>, params: Value<P>): void {
    this.hci.command(def, params, ({ status }) => {
      if (status !== 0) this.hooks.log(`command 0x${def.opcode.toString(16).padStart(4, '0')} failed: ${C.statusName(status)}`);
    });
  }
}

/** Advertising_Data_Length as BTstack sends it: the length it is given, in one octet. */
const dataLength = (data: Uint8Array): number => Math.min(data.length, 0xff);
