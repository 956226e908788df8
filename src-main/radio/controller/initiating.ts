// Creating connections as the central (Core 5.4 Vol 4 Part E 7.8.12-7.8.17, 7.8.66; Vol 6 Part
// B 4.5): one pending LE Create Connection at a time, the filter accept list, and the
// CONNECT_IND sent on hearing the wanted device advertise connectably.
import type { AdvertisingPdu } from '../air/air.ts';
import { LeCreateConnection, LeCreateConnectionCancel, LeExtendedCreateConnection, validConnectionParameters } from '../../hci/commands/le-connection.ts';
import {
  LeAddDeviceToFilterAcceptList,
  LeClearFilterAcceptList,
  LeReadFilterAcceptListSize,
  LeRemoveDeviceFromFilterAcceptList,
} from '../../hci/commands/le-controller.ts';
import * as C from '../../hci/constants.ts';
import { addrKey, type ControllerCore } from './core.ts';
import { handle, ok, refuse, type CommandHandler } from './dispatch.ts';
import { chooseInterval } from './interval-rule.ts';

/** What a create connection command asked for, legacy or extended (its first PHY's entry). */
export interface ConnectionRequest {
  initiatorFilterPolicy: number;
  peerAddressType: number;
  peerAddress: Uint8Array;
  ownAddressType: number;
  /** In 1.25 ms units. */
  connectionIntervalMin: number;
  connectionIntervalMax: number;
  maxLatency: number;
  /** In 10 ms units. */
  supervisionTimeout: number;
  /** LE Extended Create Connection: extended advertising PDUs too (AUX_CONNECT_REQ, Vol 6 Part B 2.3.3.2). */
  extended?: boolean;
}

const FILTER_ACCEPT_LIST_SIZE = 16;

export class Initiating {
  private pending: ConnectionRequest | null = null;
  private filterAcceptList: string[] = [];

  constructor(private readonly core: ControllerCore) {}

  reset(): void {
    this.pending = null;
    this.filterAcceptList = [];
  }

  get isPending(): boolean {
    return this.pending !== null;
  }

  handlers(): CommandHandler[] {
    const list = [
      handle(LeCreateConnection, (p) => this.create(p)),
      handle(LeCreateConnectionCancel, () => this.cancel()),
      handle(LeReadFilterAcceptListSize, () => ok({ filterAcceptListSize: FILTER_ACCEPT_LIST_SIZE })),
      handle(LeClearFilterAcceptList, () => ((this.filterAcceptList = []), ok())),
      handle(LeAddDeviceToFilterAcceptList, (p) => this.filter(addrKey(p.addressType, p.address), true)),
      handle(LeRemoveDeviceFromFilterAcceptList, (p) => this.filter(addrKey(p.addressType, p.address), false)),
    ];
    if (this.core.options.extendedAdvertising) {
      list.push(handle(LeExtendedCreateConnection, ({ initiatingPhys, ...p }) => this.create({ ...p, ...initiatingPhys[0]!, extended: true })));
    }
    return list;
  }

  private create(p: ConnectionRequest) {
    const core = this.core;
    if (this.pending) return refuse(C.HciStatus.COMMAND_DISALLOWED);
    if (core.options.disallowConnectWhileScanning && core.scanning.isEnabled) return refuse(C.HciStatus.COMMAND_DISALLOWED);
    if (!validConnectionParameters(p)) return refuse(C.HciStatus.INVALID_HCI_COMMAND_PARAMETERS);
    if (core.connections.count >= core.options.maxConnections) return refuse(C.HciStatus.CONNECTION_LIMIT_EXCEEDED);
    this.pending = {
      initiatorFilterPolicy: p.initiatorFilterPolicy,
      peerAddressType: p.peerAddressType,
      peerAddress: p.peerAddress,
      ownAddressType: p.ownAddressType,
      connectionIntervalMin: p.connectionIntervalMin,
      connectionIntervalMax: p.connectionIntervalMax,
      maxLatency: p.maxLatency,
      supervisionTimeout: p.supervisionTimeout,
      extended: p.extended ?? false,
    };
    return ok();
  }

  private cancel() {
    const pending = this.pending;
    if (!pending) return refuse(C.HciStatus.COMMAND_DISALLOWED);
    this.pending = null;
    // 7.8.13: the cancelled attempt ends in a connection complete event with Unknown Connection Identifier.
    return ok({}, () =>
      this.core.connections.sendConnectionComplete({
        status: C.HciStatus.UNKNOWN_CONNECTION_IDENTIFIER,
        connectionHandle: 0,
        role: C.ROLE_CENTRAL,
        peerAddressType: pending.peerAddressType,
        peerAddress: pending.peerAddress,
        connectionInterval: 0,
        peripheralLatency: 0,
        supervisionTimeout: 0,
      }),
    );
  }

  private filter(key: string, add: boolean) {
    this.filterAcceptList = this.filterAcceptList.filter((k) => k !== key);
    if (add) this.filterAcceptList.push(key);
    return ok();
  }

  /** Heard `peer` advertise: sends CONNECT_IND if it is the wanted device; true once connected. */
  tryConnect(peer: ControllerCore, pdu: AdvertisingPdu): boolean {
    const want = this.pending;
    if (!want) return false;
    const connectable = pdu.type === C.ADV_IND || pdu.type === C.ADV_DIRECT_IND_HIGH || pdu.type === C.ADV_DIRECT_IND_LOW;
    if (!connectable || (pdu.extended && !want.extended)) return false;
    const key = addrKey(pdu.addressType, pdu.address);
    const wanted = want.initiatorFilterPolicy === 0 ? key === addrKey(want.peerAddressType, want.peerAddress) : this.filterAcceptList.includes(key);
    if (!wanted) return false;
    const core = this.core;
    const interval = chooseInterval(core.options.connectionIntervalRule, want.connectionIntervalMin, want.connectionIntervalMax);
    const params = { interval, latency: want.maxLatency, supervisionTimeout: want.supervisionTimeout };
    const connection = core.air.connect(core, peer, params, Math.min(core.options.maxEventUs, peer.options.maxEventUs));
    if (!connection) return false;
    this.pending = null;
    const own = core.setup.ownAddress(want.ownAddressType);
    core.connections.opened(connection, 'central', peer, pdu.addressType, pdu.address);
    peer.connections.opened(connection, 'peripheral', core, own.addressType, own.address);
    return true;
  }
}
