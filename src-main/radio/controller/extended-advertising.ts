// Extended advertising (Core 5.4 Vol 4 Part E 7.8.52-7.8.60, Vol 6 Part B 4.4.2): one advertising
// set, legacy PDUs or extended ones (ADV_EXT_IND + AUX_ADV_IND), its data assembled from
// fragments, enabled with a duration and an event count, ended by a connection, a timeout or the
// count with HCI_LE_Advertising_Set_Terminated (7.7.65.18). The limits are this model's: one set
// (7.8.58 allows 1-240), data up to what one extended advertising report carries (7.8.57; no
// AUX_CHAIN_IND), LE 1M primary PHY, no scan request notifications, no anonymous advertising.
import type { AdvertisingPdu } from '../air/air.ts';
import type { Timer } from '../../hci/clock.ts';
import type { ParamsOf } from '../../hci/command.ts';
import {
  ADV_DATA_COMPLETE,
  ADV_DATA_FIRST,
  ADV_DATA_INTERMEDIATE,
  ADV_DATA_LAST,
  ADV_DATA_UNCHANGED,
  ADV_PROP_ANONYMOUS,
  ADV_PROP_CONNECTABLE,
  ADV_PROP_DIRECTED,
  ADV_PROP_HIGH_DUTY_DIRECTED,
  ADV_PROP_LEGACY,
  ADV_PROP_SCANNABLE,
  LeClearAdvertisingSets,
  LeReadMaximumAdvertisingDataLength,
  LeReadNumberOfSupportedAdvertisingSets,
  LeRemoveAdvertisingSet,
  LeSetAdvertisingSetRandomAddress,
  LeSetExtendedAdvertisingData,
  LeSetExtendedAdvertisingEnable,
  LeSetExtendedAdvertisingParameters,
  LeSetExtendedScanResponseData,
} from '../../hci/commands/le-extended-advertising.ts';
import * as C from '../../hci/constants.ts';
import { encodeEvent } from '../../hci/event.ts';
import { LeAdvertisingSetTerminated } from '../../hci/le-events.ts';
import { sameBytes, type ControllerCore } from './core.ts';
import { handle, ok, onlyIf, refuse, type CommandHandler } from './dispatch.ts';

type SetParameters = ParamsOf<typeof LeSetExtendedAdvertisingParameters>;

const NUM_SUPPORTED_ADVERTISING_SETS = 1;
/** One LE Extended Advertising Report carries at most 229 octets of data (255 - 26, 7.7.65.13). */
export const MAX_ADVERTISING_DATA_LENGTH = 229;
const MAX_LEGACY_DATA = 31;
const MAX_ADVERTISING_HANDLE = 0xef;
const MAX_ADVERTISING_SID = 0x0f;
/** Legacy Advertising_Event_Properties values and the legacy PDU each one sends (7.8.53, table 7.2). */
const LEGACY_PROPERTIES: Record<number, number> = {
  0x13: C.ADV_IND,
  0x15: C.ADV_DIRECT_IND_LOW,
  0x1d: C.ADV_DIRECT_IND_HIGH,
  0x12: C.ADV_SCAN_IND,
  0x10: C.ADV_NONCONN_IND,
};
/** Duration of high duty cycle directed advertising at most, 1.28 s (Vol 6 Part B 4.4.2.4.3). */
const HIGH_DUTY_DIRECTED_MAX_MS = 1280;
const DURATION_UNIT_MS = 10;

interface AdvertisingSet {
  readonly handle: number;
  params: SetParameters;
  randomAddress: Uint8Array | null;
  data: Uint8Array;
  scanResponse: Uint8Array;
  /** Fragments of 7.8.54 / 7.8.55 being assembled (operation first/intermediate until last). */
  partialData: Uint8Array | null;
  partialScanResponse: Uint8Array | null;
  enabled: boolean;
  events: number;
  maxEvents: number;
  timer: Timer | null;
  deadline: Timer | null;
  /** A CONNECT_IND was accepted; HCI_LE_Advertising_Set_Terminated follows the connection complete event. */
  connecting: boolean;
}

const isLegacy = (p: SetParameters): boolean => (p.advertisingEventProperties & ADV_PROP_LEGACY) !== 0;

/** The legacy PDU type the air carries for the set's properties. */
function pduType(p: SetParameters): number {
  const props = p.advertisingEventProperties;
  if (isLegacy(p)) return LEGACY_PROPERTIES[props]!;
  if (props & ADV_PROP_DIRECTED) return props & ADV_PROP_HIGH_DUTY_DIRECTED ? C.ADV_DIRECT_IND_HIGH : C.ADV_DIRECT_IND_LOW;
  if (props & ADV_PROP_CONNECTABLE) return C.ADV_IND;
  return props & ADV_PROP_SCANNABLE ? C.ADV_SCAN_IND : C.ADV_NONCONN_IND;
}

export class ExtendedAdvertising {
  private set: AdvertisingSet | null = null;

  constructor(private readonly core: ControllerCore) {}

  reset(): void {
    if (this.set) this.stop(this.set);
    this.set = null;
  }

  get isEnabled(): boolean {
    return this.set?.enabled ?? false;
  }

  handlers(): CommandHandler[] {
    const S = C.HciStatus;
    const extended = () => this.core.setup.useAdvertisingCommands('extended');
    const list = [
      handle(LeSetAdvertisingSetRandomAddress, (p) => {
        const set = this.find(p.advertisingHandle);
        if (!set) return refuse(S.UNKNOWN_ADVERTISING_IDENTIFIER);
        // 7.8.52: not while a connectable set advertises.
        if (set.enabled && set.params.advertisingEventProperties & ADV_PROP_CONNECTABLE) return refuse(S.COMMAND_DISALLOWED);
        set.randomAddress = p.randomAddress;
        return ok();
      }),
      handle(LeSetExtendedAdvertisingParameters, (p) => this.setParameters(p)),
      handle(LeSetExtendedAdvertisingData, (p) => this.setData(p, 'data')),
      handle(LeSetExtendedScanResponseData, (p) => this.setData(p, 'scanResponse')),
      handle(LeSetExtendedAdvertisingEnable, (p) => this.setEnable(p.enable === 1, p.sets)),
      handle(LeReadMaximumAdvertisingDataLength, () => ok({ maxAdvertisingDataLength: MAX_ADVERTISING_DATA_LENGTH })),
      handle(LeReadNumberOfSupportedAdvertisingSets, () => ok({ numSupportedAdvertisingSets: NUM_SUPPORTED_ADVERTISING_SETS })),
      handle(LeRemoveAdvertisingSet, (p) => {
        const set = this.find(p.advertisingHandle);
        if (!set) return refuse(S.UNKNOWN_ADVERTISING_IDENTIFIER);
        if (set.enabled) return refuse(S.COMMAND_DISALLOWED);
        this.set = null;
        return ok();
      }),
      handle(LeClearAdvertisingSets, () => {
        if (this.set?.enabled) return refuse(S.COMMAND_DISALLOWED);
        this.set = null;
        return ok();
      }),
    ];
    return list.map((h) => onlyIf(extended, h));
  }

  private find(handle: number): AdvertisingSet | undefined {
    return this.set?.handle === handle ? this.set : undefined;
  }

  private setParameters(p: SetParameters) {
    const S = C.HciStatus;
    const props = p.advertisingEventProperties;
    if (p.advertisingHandle > MAX_ADVERTISING_HANDLE || p.advertisingSid > MAX_ADVERTISING_SID || p.ownAddressType > 3) return refuse(S.INVALID_HCI_COMMAND_PARAMETERS);
    if (isLegacy(p) ? LEGACY_PROPERTIES[props] === undefined : (props & ADV_PROP_CONNECTABLE) !== 0 && (props & ADV_PROP_SCANNABLE) !== 0) {
      return refuse(S.INVALID_HCI_COMMAND_PARAMETERS);
    }
    const highDuty = (props & ADV_PROP_HIGH_DUTY_DIRECTED) !== 0;
    const intervalOk = highDuty || (p.primaryAdvertisingIntervalMin >= 0x20 && p.primaryAdvertisingIntervalMin <= p.primaryAdvertisingIntervalMax);
    if (!intervalOk || (p.primaryAdvertisingChannelMap & 0x07) === 0) return refuse(S.INVALID_HCI_COMMAND_PARAMETERS);
    // What this model does not do: anonymous advertising, LE Coded, scan request notifications.
    const secondaryOk = p.secondaryAdvertisingPhy === C.PHYS_LE_1M || (p.secondaryAdvertisingPhy === C.PHYS_LE_2M && this.core.options.le2mPhy);
    if ((props & ADV_PROP_ANONYMOUS) !== 0 || p.primaryAdvertisingPhy !== C.PHYS_LE_1M || (!isLegacy(p) && !secondaryOk) || p.scanRequestNotificationEnable !== 0) {
      return refuse(S.UNSUPPORTED_FEATURE_OR_PARAMETER_VALUE);
    }
    const existing = this.set;
    if (existing && existing.handle !== p.advertisingHandle) return refuse(S.MEMORY_CAPACITY_EXCEEDED);
    if (existing?.enabled) return refuse(S.COMMAND_DISALLOWED);
    // Legacy PDUs carry at most 31 octets: data set before must still fit (7.8.53).
    if (existing && isLegacy(p) && (existing.data.length > MAX_LEGACY_DATA || existing.scanResponse.length > MAX_LEGACY_DATA)) {
      return refuse(S.INVALID_HCI_COMMAND_PARAMETERS);
    }
    this.set = existing ?? {
      handle: p.advertisingHandle,
      params: p,
      randomAddress: null,
      data: new Uint8Array(0),
      scanResponse: new Uint8Array(0),
      partialData: null,
      partialScanResponse: null,
      enabled: false,
      events: 0,
      maxEvents: 0,
      timer: null,
      deadline: null,
      connecting: false,
    };
    this.set.params = p;
    return ok({ selectedTxPower: this.core.air.pathLoss.txPowerDbm });
  }

  private setData(p: ParamsOf<typeof LeSetExtendedAdvertisingData>, which: 'data' | 'scanResponse') {
    const S = C.HciStatus;
    const set = this.find(p.advertisingHandle);
    if (!set) return refuse(S.UNKNOWN_ADVERTISING_IDENTIFIER);
    const legacy = isLegacy(set.params);
    const props = set.params.advertisingEventProperties;
    if (which === 'scanResponse' && !(props & ADV_PROP_SCANNABLE) && p.data.length > 0) return refuse(S.INVALID_HCI_COMMAND_PARAMETERS);
    if (legacy && (p.operation !== ADV_DATA_COMPLETE || p.data.length > MAX_LEGACY_DATA)) return refuse(S.INVALID_HCI_COMMAND_PARAMETERS);
    // While enabled, only whole data may change (7.8.54).
    if (set.enabled && p.operation !== ADV_DATA_COMPLETE && p.operation !== ADV_DATA_UNCHANGED) return refuse(S.COMMAND_DISALLOWED);
    const partialKey = which === 'data' ? 'partialData' : 'partialScanResponse';
    const partial = set[partialKey];
    let whole: Uint8Array | null = null;
    switch (p.operation) {
      case ADV_DATA_COMPLETE:
        whole = p.data;
        set[partialKey] = null;
        break;
      case ADV_DATA_FIRST:
        set[partialKey] = p.data;
        break;
      case ADV_DATA_INTERMEDIATE:
      case ADV_DATA_LAST: {
        if (!partial) return refuse(S.INVALID_HCI_COMMAND_PARAMETERS);
        const joined = new Uint8Array(partial.length + p.data.length);
        joined.set(partial);
        joined.set(p.data, partial.length);
        if (p.operation === ADV_DATA_LAST) {
          whole = joined;
          set[partialKey] = null;
        } else {
          set[partialKey] = joined;
        }
        break;
      }
      case ADV_DATA_UNCHANGED:
        // Only a new Advertising DID (Vol 6 Part B 4.4.2.11), which this model does not carry.
        if (which === 'scanResponse' || legacy || !set.enabled || set.data.length === 0) return refuse(S.INVALID_HCI_COMMAND_PARAMETERS);
        return ok();
      default:
        return refuse(S.INVALID_HCI_COMMAND_PARAMETERS);
    }
    const length = (whole ?? set[partialKey] ?? new Uint8Array(0)).length;
    if (length > MAX_ADVERTISING_DATA_LENGTH) {
      set[partialKey] = null;
      return refuse(S.MEMORY_CAPACITY_EXCEEDED);
    }
    if (whole) set[which] = Uint8Array.from(whole);
    return ok();
  }

  private setEnable(enable: boolean, sets: ParamsOf<typeof LeSetExtendedAdvertisingEnable>['sets']) {
    const S = C.HciStatus;
    const core = this.core;
    if (!enable) {
      // Num_Sets 0 disables every set (7.8.56).
      for (const s of sets) if (!this.find(s.advertisingHandle)) return refuse(S.UNKNOWN_ADVERTISING_IDENTIFIER);
      if (this.set) this.stop(this.set);
      return ok();
    }
    if (sets.length === 0) return refuse(S.INVALID_HCI_COMMAND_PARAMETERS);
    for (const s of sets) {
      const set = this.find(s.advertisingHandle);
      if (!set) return refuse(S.UNKNOWN_ADVERTISING_IDENTIFIER);
      const p = set.params;
      const props = p.advertisingEventProperties;
      if (set.partialData || set.partialScanResponse) return refuse(S.COMMAND_DISALLOWED);
      if (!isLegacy(p) && props & ADV_PROP_SCANNABLE && set.scanResponse.length === 0) return refuse(S.COMMAND_DISALLOWED);
      if (props & ADV_PROP_CONNECTABLE && core.connections.count >= core.options.maxConnections) return refuse(S.COMMAND_DISALLOWED);
      if ((p.ownAddressType & 1) === 1 && !set.randomAddress) return refuse(S.INVALID_HCI_COMMAND_PARAMETERS);
      const durationMs = s.duration * DURATION_UNIT_MS;
      if (props & ADV_PROP_HIGH_DUTY_DIRECTED && (s.duration === 0 || durationMs > HIGH_DUTY_DIRECTED_MAX_MS)) return refuse(S.INVALID_HCI_COMMAND_PARAMETERS);
    }
    for (const s of sets) this.start(this.find(s.advertisingHandle)!, s.duration * DURATION_UNIT_MS, s.maxExtendedAdvertisingEvents);
    return ok();
  }

  private start(set: AdvertisingSet, durationMs: number, maxEvents: number): void {
    this.stop(set);
    const clock = this.core.air.clock;
    set.enabled = true;
    set.events = 0;
    set.maxEvents = maxEvents;
    set.connecting = false;
    if (durationMs > 0) set.deadline = clock.at(clock.now() + durationMs, () => this.terminate(set, C.HciStatus.ADVERTISING_TIMEOUT));
    this.schedule(set, 0);
  }

  private stop(set: AdvertisingSet): void {
    set.enabled = false;
    set.timer?.cancel();
    set.deadline?.cancel();
    set.timer = null;
    set.deadline = null;
  }

  /** The set stopped by itself (7.7.65.18): timeout, event count or a connection. */
  private terminate(set: AdvertisingSet, status: number, connectionHandle = 0): void {
    this.stop(set);
    const events = Math.min(set.events, 0xff);
    this.core.sendEvent(
      encodeEvent(LeAdvertisingSetTerminated, { status, advertisingHandle: set.handle, connectionHandle, numCompletedExtendedAdvertisingEvents: events }),
    );
  }

  /** advInterval plus advDelay, a random 0-10 ms (Vol 6 Part B 4.4.2.2.1); high duty directed every 3.75 ms or less. */
  private schedule(set: AdvertisingSet, intervalMs: number): void {
    const air = this.core.air;
    const delay = air.random() * 10;
    set.timer = air.clock.at(air.clock.now() + intervalMs + delay, () => {
      if (!set.enabled || !this.core.isPowered) return;
      air.advertise(this.core, this.pdu(set));
      set.events++;
      if (set.maxEvents > 0 && set.events >= set.maxEvents) return this.terminate(set, C.HciStatus.LIMIT_REACHED);
      if (!set.enabled) return;
      const p = set.params;
      const units =
        p.advertisingEventProperties & ADV_PROP_HIGH_DUTY_DIRECTED
          ? 6
          : p.primaryAdvertisingIntervalMin + air.random() * (p.primaryAdvertisingIntervalMax - p.primaryAdvertisingIntervalMin);
      this.schedule(set, units * C.ADV_INTERVAL_UNIT_MS);
    });
  }

  private ownAddress(set: AdvertisingSet): { addressType: number; address: Uint8Array } {
    const random = (set.params.ownAddressType & 1) === 1 && set.randomAddress !== null;
    return { addressType: random ? 1 : 0, address: random ? set.randomAddress! : this.core.publicAddress };
  }

  private pdu(set: AdvertisingSet): AdvertisingPdu {
    const p = set.params;
    const directed = (p.advertisingEventProperties & ADV_PROP_DIRECTED) !== 0;
    return {
      type: pduType(p),
      ...this.ownAddress(set),
      data: directed && isLegacy(p) ? new Uint8Array(0) : set.data,
      ...(directed ? { targetAddress: p.peerAddress } : {}),
      ...(isLegacy(p) ? {} : { extended: { properties: p.advertisingEventProperties, sid: p.advertisingSid, secondaryPhy: p.secondaryAdvertisingPhy } }),
    };
  }

  /** SCAN_REQ or AUX_SCAN_REQ: the scan response data while a scannable set advertises. */
  answerScanRequest(): Uint8Array | null {
    const set = this.set;
    return set?.enabled && set.params.advertisingEventProperties & ADV_PROP_SCANNABLE ? set.scanResponse : null;
  }

  /** CONNECT_IND or AUX_CONNECT_REQ: accepted while a connectable set advertises (to this initiator, if directed). */
  acceptConnection(initiator: ControllerCore): boolean {
    const set = this.set;
    const core = this.core;
    if (!set?.enabled || !(set.params.advertisingEventProperties & ADV_PROP_CONNECTABLE) || core.connections.count >= core.options.maxConnections) return false;
    if (set.params.advertisingEventProperties & ADV_PROP_DIRECTED && !sameBytes(initiator.publicAddress, set.params.peerAddress)) return false;
    set.connecting = true;
    return true;
  }

  /** The connection complete event has gone to the host: the set that made the connection ends (7.7.65.18). */
  connected(connectionHandle: number): void {
    const set = this.set;
    if (!set?.connecting) return;
    set.connecting = false;
    this.terminate(set, C.HciStatus.SUCCESS, connectionHandle);
  }
}
