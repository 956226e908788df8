// Legacy advertising (Core 5.4 Vol 4 Part E 7.8.5-7.8.9, Vol 6 Part B 4.4.2): parameters, data,
// enable, advertising events on the air at the set interval plus advDelay, scan responses, and
// whether a CONNECT_IND is accepted.
import type { AdvertisingPdu } from '../air/air.ts';
import type { Timer } from '../../hci/clock.ts';
import type { ParamsOf } from '../../hci/command.ts';
import {
  LeReadAdvertisingPhysicalChannelTxPower,
  LeSetAdvertisingData,
  LeSetAdvertisingEnable,
  LeSetAdvertisingParameters,
  LeSetScanResponseData,
} from '../../hci/commands/le-advertising.ts';
import * as C from '../../hci/constants.ts';
import { sameBytes, type ControllerCore } from './core.ts';
import { handle, ok, onlyIf, refuse, type CommandHandler } from './dispatch.ts';

type AdvertisingParameters = ParamsOf<typeof LeSetAdvertisingParameters>;

/** The parameters after reset (7.8.5): 1.28 s, ADV_IND, public address, all three channels. */
const defaultParameters = (): AdvertisingParameters => ({
  advertisingIntervalMin: 0x0800,
  advertisingIntervalMax: 0x0800,
  advertisingType: C.ADV_IND,
  ownAddressType: 0,
  peerAddressType: 0,
  peerAddress: new Uint8Array(6),
  advertisingChannelMap: 0x07,
  advertisingFilterPolicy: 0,
});

const isDirected = (type: number): boolean => type === C.ADV_DIRECT_IND_HIGH || type === C.ADV_DIRECT_IND_LOW;

export class Advertising {
  private params = defaultParameters();
  private data: Uint8Array = new Uint8Array(0);
  private scanResponse: Uint8Array = new Uint8Array(0);
  private enabled = false;
  private timer: Timer | null = null;

  constructor(private readonly core: ControllerCore) {}

  reset(): void {
    this.stop();
    this.params = defaultParameters();
    this.data = new Uint8Array(0);
    this.scanResponse = new Uint8Array(0);
  }

  get isEnabled(): boolean {
    return this.enabled;
  }

  handlers(): CommandHandler[] {
    const legacy = () => this.core.setup.useAdvertisingCommands('legacy');
    const list = [
      handle(LeSetAdvertisingParameters, (p) => this.setParameters(p)),
      handle(LeSetAdvertisingData, (p) => ((this.data = p.advertisingData.slice(0, p.advertisingDataLength)), ok())),
      handle(LeSetScanResponseData, (p) => ((this.scanResponse = p.scanResponseData.slice(0, p.scanResponseDataLength)), ok())),
      handle(LeSetAdvertisingEnable, (p) => this.setEnable(p.advertisingEnable)),
      handle(LeReadAdvertisingPhysicalChannelTxPower, () => ok({ txPowerLevel: this.core.air.pathLoss.txPowerDbm })),
    ];
    // Only a controller with the extended commands has a second kind to keep apart.
    return this.core.options.extendedAdvertising ? list.map((h) => onlyIf(legacy, h)) : list;
  }

  private setParameters(p: AdvertisingParameters) {
    if (this.enabled) return refuse(C.HciStatus.COMMAND_DISALLOWED);
    const intervalOk =
      p.advertisingType === C.ADV_DIRECT_IND_HIGH ||
      (p.advertisingIntervalMin >= 0x0020 && p.advertisingIntervalMax <= 0x4000 && p.advertisingIntervalMin <= p.advertisingIntervalMax);
    if (p.advertisingType > C.ADV_DIRECT_IND_LOW || !intervalOk || p.ownAddressType > 3 || (p.advertisingChannelMap & 0x07) === 0) {
      return refuse(C.HciStatus.INVALID_HCI_COMMAND_PARAMETERS);
    }
    this.params = p;
    return ok();
  }

  private setEnable(enable: boolean) {
    const core = this.core;
    if (enable && this.connectable() && core.connections.count >= core.options.maxConnections) return refuse(C.HciStatus.COMMAND_DISALLOWED);
    if (enable && this.params.ownAddressType === 1 && !core.setup.randomAddress) return refuse(C.HciStatus.INVALID_HCI_COMMAND_PARAMETERS);
    if (enable && !this.enabled) {
      this.enabled = true;
      this.schedule(0);
    } else if (!enable) {
      this.stop();
    }
    return ok();
  }

  /** Advertising stops: disabled, reset, or (legacy advertising) a connection created (Vol 6 Part B 4.4.2). */
  stop(): void {
    this.enabled = false;
    this.timer?.cancel();
    this.timer = null;
  }

  private connectable(): boolean {
    const t = this.params.advertisingType;
    return t === C.ADV_IND || isDirected(t);
  }

  /** advInterval plus advDelay, a random 0-10 ms. Core 5.4 Vol 6 Part B 4.4.2.2.1. */
  private schedule(intervalMs: number): void {
    const air = this.core.air;
    const delay = air.random() * 10;
    this.timer = air.clock.at(air.clock.now() + intervalMs + delay, () => {
      if (!this.enabled || !this.core.isPowered) return;
      air.advertise(this.core, this.pdu());
      const p = this.params;
      const units =
        p.advertisingType === C.ADV_DIRECT_IND_HIGH ? 6 : p.advertisingIntervalMin + air.random() * (p.advertisingIntervalMax - p.advertisingIntervalMin);
      this.schedule(units * C.ADV_INTERVAL_UNIT_MS);
    });
  }

  private pdu(): AdvertisingPdu {
    const p = this.params;
    const directed = isDirected(p.advertisingType);
    return {
      type: p.advertisingType,
      ...this.core.setup.ownAddress(p.ownAddressType),
      data: directed ? new Uint8Array(0) : this.data,
      ...(directed ? { targetAddress: p.peerAddress } : {}),
    };
  }

  /** SCAN_REQ: the scan response data while advertising scannably. */
  answerScanRequest(): Uint8Array | null {
    const t = this.params.advertisingType;
    return this.enabled && (t === C.ADV_IND || t === C.ADV_SCAN_IND) ? this.scanResponse : null;
  }

  /** CONNECT_IND from `initiator`: accepted while advertising connectably (to it, if directed) with room for a connection. */
  acceptConnection(initiator: ControllerCore): boolean {
    if (!this.enabled || !this.connectable() || this.core.connections.count >= this.core.options.maxConnections) return false;
    return isDirected(this.params.advertisingType) ? sameBytes(initiator.publicAddress, this.params.peerAddress) : true;
  }
}
