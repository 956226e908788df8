// Scanning (Core 5.4 Vol 4 Part E 7.8.10-7.8.11 legacy, 7.8.64-7.8.65 extended; Vol 6 Part B
// 4.4.3): the scan window's duty cycle, SCAN_REQ/SCAN_RSP when active, duplicate filtering, and
// advertising reports in the form the host last asked for (legacy or extended).
import type { AdvertisingPdu } from '../air/air.ts';
import { LeSetExtendedScanEnable, LeSetExtendedScanParameters, LeSetScanEnable, LeSetScanParameters } from '../../hci/commands/le-scanning.ts';
import * as C from '../../hci/constants.ts';
import { encodeEvent } from '../../hci/event.ts';
import { LeAdvertisingReport, LeExtendedAdvertisingReport } from '../../hci/le-events.ts';
import { addrKey, type ControllerCore } from './core.ts';
import { handle, ok, refuse, type CommandHandler } from './dispatch.ts';

interface ScanParameters {
  active: boolean;
  /** In 0.625 ms units. */
  interval: number;
  window: number;
}

const SCAN_ACTIVE = 0x01; // LE_Scan_Type, 7.8.10

export class Scanning {
  private params: ScanParameters = { active: false, interval: 0x0010, window: 0x0010 };
  private enabled = false;
  private filterDuplicates = false;
  private extended = false;
  private readonly seen = new Set<string>();

  constructor(private readonly core: ControllerCore) {}

  reset(): void {
    this.params = { active: false, interval: 0x0010, window: 0x0010 };
    this.enabled = false;
    this.filterDuplicates = false;
    this.extended = false;
    this.seen.clear();
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
        // Duration and Period are accepted; scanning runs until disabled. Filter_Duplicates 0x02 counts as on.
        handle(LeSetExtendedScanEnable, (p) => this.setEnable(p.enable === 1, p.filterDuplicates !== 0, true)),
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

  private setEnable(enable: boolean, filterDuplicates: boolean, extended: boolean) {
    if (enable && !this.enabled) this.seen.clear();
    this.enabled = enable;
    this.filterDuplicates = filterDuplicates;
    this.extended = extended;
    return ok();
  }

  /** An advertising PDU reached this node (directed ones only if addressed to it). */
  hear(from: ControllerCore, pdu: AdvertisingPdu, directed: boolean, rssi: number): void {
    if (!this.enabled) return;
    // A scan window shorter than the interval hears that fraction of advertising events.
    const p = this.params;
    if (p.window < p.interval && this.core.air.random() > p.window / p.interval) return;
    this.report(pdu, directed ? C.REPORT_ADV_DIRECT_IND : pdu.type, pdu.data, rssi);
    const scannable = pdu.type === C.ADV_IND || pdu.type === C.ADV_SCAN_IND;
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
}
