// Scanning (Core 5.4 Vol 4 Part E 7.8.10-7.8.11 legacy, 7.8.64-7.8.65 extended; Vol 6 Part B
// 4.4.3): the scan window's duty cycle, SCAN_REQ/SCAN_RSP when active, duplicate filtering, and
// advertising reports in the form the host last asked for (legacy or extended).
import type { AdvertisingPdu } from '../air/air.ts';
import type { Timer } from '../../hci/clock.ts';
import { LeSetExtendedScanEnable, LeSetExtendedScanParameters, LeSetScanEnable, LeSetScanParameters } from '../../hci/commands/le-scanning.ts';
import * as C from '../../hci/constants.ts';
import { encodeEvent } from '../../hci/event.ts';
import { LeAdvertisingReport, LeExtendedAdvertisingReport, LeScanTimeout } from '../../hci/le-events.ts';
import { addrKey, type ControllerCore } from './core.ts';
import { handle, ok, refuse, type CommandHandler } from './dispatch.ts';

interface ScanParameters {
  active: boolean;
  /** In 0.625 ms units. */
  interval: number;
  window: number;
}

const SCAN_ACTIVE = 0x01; // LE_Scan_Type, 7.8.10
const DURATION_UNIT_MS = 10; // 7.8.65
// Event_Type bits of an extended advertising report, 7.7.65.13.
const EXT_REPORT_CONNECTABLE = 1 << 0;
const EXT_REPORT_SCANNABLE = 1 << 1;
const EXT_REPORT_DIRECTED = 1 << 2;
const EXT_REPORT_SCAN_RESPONSE = 1 << 3;

export class Scanning {
  private params: ScanParameters = { active: false, interval: 0x0010, window: 0x0010 };
  private enabled = false;
  private filterDuplicates = false;
  private extended = false;
  private readonly seen = new Set<string>();
  /** Extended scanning's Duration (7.8.65): scanning stops and HCI_LE_Scan_Timeout follows. */
  private duration: Timer | null = null;

  constructor(private readonly core: ControllerCore) {}

  reset(): void {
    this.params = { active: false, interval: 0x0010, window: 0x0010 };
    this.enabled = false;
    this.filterDuplicates = false;
    this.extended = false;
    this.seen.clear();
    this.duration?.cancel();
    this.duration = null;
  }

  get isEnabled(): boolean {
    return this.enabled;
  }

  handlers(): CommandHandler[] {
    const list = [
      handle(LeSetScanParameters, (p) =>
        this.setParameters({ active: p.leScanType === SCAN_ACTIVE, interval: p.leScanInterval, window: p.leScanWindow }, false),
      ),
      handle(LeSetScanEnable, (p) => this.setEnable(p.leScanEnable === 1, p.filterDuplicates === 1, false)),
    ];
    if (this.core.options.extendedAdvertising) {
      list.push(
        // The first PHY's entry is the one used: LE 1M whenever it is there.
        handle(LeSetExtendedScanParameters, (p) => {
          const first = p.scanningPhys[0]!;
          return this.setParameters({ active: first.scanType === SCAN_ACTIVE, interval: first.scanInterval, window: first.scanWindow }, true);
        }),
        // Filter_Duplicates 0x02 counts as on. With a Period, scanning runs continuously (not modelled: the
        // pause between Durations); without one, Duration ends it with HCI_LE_Scan_Timeout (7.7.65.17).
        handle(LeSetExtendedScanEnable, (p) => {
          const out = this.setEnable(p.enable === 1, p.filterDuplicates !== 0, true);
          if (p.enable === 1 && p.duration > 0 && p.period === 0) this.stopAfter(p.duration * DURATION_UNIT_MS);
          return out;
        }),
      );
    }
    return list;
  }

  private setParameters(p: ScanParameters, extended: boolean) {
    if (this.enabled) return refuse(C.HciStatus.COMMAND_DISALLOWED);
    if (p.interval < 0x0004 || p.window < 0x0004 || p.window > p.interval) return refuse(C.HciStatus.INVALID_HCI_COMMAND_PARAMETERS);
    this.params = p;
    this.extended = extended;
    return ok();
  }

  private stopAfter(ms: number): void {
    const clock = this.core.air.clock;
    this.duration = clock.at(clock.now() + ms, () => {
      this.duration = null;
      if (!this.enabled) return;
      this.enabled = false;
      this.core.sendEvent(encodeEvent(LeScanTimeout, {}));
    });
  }

  private setEnable(enable: boolean, filterDuplicates: boolean, extended: boolean) {
    this.duration?.cancel();
    this.duration = null;
    if (enable && !this.enabled) this.seen.clear();
    this.enabled = enable;
    this.filterDuplicates = filterDuplicates;
    this.extended = extended;
    return ok();
  }

  /** An advertising PDU reached this node (directed ones only if addressed to it). */
  hear(from: ControllerCore, pdu: AdvertisingPdu, directed: boolean, rssi: number): void {
    if (!this.enabled) return;
    // Extended advertising PDUs reach only a host scanning with the extended commands (Vol 4 Part E 3.1.1, Vol 6 Part B 4.4.3).
    if (pdu.extended && !this.extended) return;
    // A scan window shorter than the interval hears that fraction of advertising events.
    const p = this.params;
    if (p.window < p.interval && this.core.air.random() > p.window / p.interval) return;
    this.report(pdu, directed ? C.REPORT_ADV_DIRECT_IND : pdu.type, pdu.data, rssi);
    const scannable = pdu.extended ? (pdu.extended.properties & EXT_REPORT_SCANNABLE) !== 0 : pdu.type === C.ADV_IND || pdu.type === C.ADV_SCAN_IND;
    if (p.active && scannable) {
      const rsp = this.core.air.scanRequest(this.core, from);
      if (rsp) this.report(pdu, C.REPORT_SCAN_RSP, rsp.data, rsp.rssi);
    }
  }

  private report(pdu: AdvertisingPdu, reportType: number, data: Uint8Array, rssi: number): void {
    if (this.filterDuplicates) {
      const key = `${addrKey(pdu.addressType, pdu.address)}/${reportType}`;
      if (this.seen.has(key)) return;
      this.seen.add(key);
    }
    const common = { addressType: pdu.addressType, address: pdu.address, data, rssi };
    if (!this.extended) {
      this.core.sendEvent(encodeEvent(LeAdvertisingReport, { reports: [{ eventType: reportType, ...common }] }));
      return;
    }
    if (pdu.extended) return this.reportExtended(pdu, pdu.extended, reportType === C.REPORT_SCAN_RSP, common);
    const scanRspOf = pdu.type === C.ADV_SCAN_IND ? C.EXT_REPORT_SCAN_RSP_TO_ADV_SCAN_IND : C.EXT_REPORT_SCAN_RSP_TO_ADV_IND;
    const eventType = reportType === C.REPORT_SCAN_RSP ? scanRspOf : C.EXT_REPORT_LEGACY[reportType]!;
    // One legacy report: primary PHY LE 1M, no secondary PHY, no SID, Tx power and periodic interval unknown.
    const report = {
      eventType,
      ...common,
      primaryPhy: C.PHYS_LE_1M,
      secondaryPhy: 0x00,
      advertisingSid: 0xff,
      txPower: 127,
      periodicAdvertisingInterval: 0x0000,
      directAddressType: 0x00,
      directAddress: new Uint8Array(6),
    };
    this.core.sendEvent(encodeEvent(LeExtendedAdvertisingReport, { reports: [report] }));
  }

  /** An extended PDU: Event_Type from its properties (7.7.65.13: connectable, scannable, directed, scan response; data complete), its SID and secondary PHY. */
  private reportExtended(
    pdu: AdvertisingPdu,
    ext: NonNullable<AdvertisingPdu['extended']>,
    scanResponse: boolean,
    common: { addressType: number; address: Uint8Array; data: Uint8Array; rssi: number },
  ): void {
    const props = ext.properties & (EXT_REPORT_CONNECTABLE | EXT_REPORT_SCANNABLE | EXT_REPORT_DIRECTED);
    const report = {
      eventType: scanResponse ? props | EXT_REPORT_SCAN_RESPONSE : props,
      ...common,
      primaryPhy: C.PHYS_LE_1M,
      secondaryPhy: ext.secondaryPhy,
      advertisingSid: ext.sid,
      txPower: 127,
      periodicAdvertisingInterval: 0x0000,
      directAddressType: 0x00,
      directAddress: pdu.targetAddress ?? new Uint8Array(6),
    };
    this.core.sendEvent(encodeEvent(LeExtendedAdvertisingReport, { reports: [report] }));
  }
}
