// Established connections (Core 5.4 Vol 4 Part E 7.1, 7.5.4, 7.8.21; Vol 6 Part B 5.1): the
// connection table, connection complete, disconnection, remote features and version, RSSI, and
// the events each link-layer outcome gives the host. Parameter updates, PHY and data length are
// procedures of their own (connection-parameters.ts, phy.ts, data-length.ts).
import type { AirConnection } from '../air/air-connection.ts';
import { Disconnect, ReadRemoteVersionInformation, ReadRssi } from '../../hci/commands/link-control.ts';
import { LeReadRemoteFeatures } from '../../hci/commands/le-connection.ts';
import * as C from '../../hci/constants.ts';
import { encodeEvent, type FieldsOf } from '../../hci/event.ts';
import { DisconnectionComplete, ReadRemoteVersionInformationComplete } from '../../hci/events.ts';
import {
  LeConnectionComplete,
  LeConnectionUpdateComplete,
  LeEnhancedConnectionComplete,
  LeReadRemoteFeaturesComplete,
} from '../../hci/le-events.ts';
import { leFeatures } from './capabilities.ts';
import type { ControllerCore } from './core.ts';
import { DEFAULT_DATA_LENGTH, type DataLength } from './data-length.ts';
import { handle, ok, refuse, type CommandHandler } from './dispatch.ts';
import { LMP_SUBVERSION, LMP_VERSION_5_4, MANUFACTURER_TEST } from './options.ts';

export interface Connection {
  handle: number;
  /** The connection on the air that this handle names. */
  air: AirConnection;
  role: 'central' | 'peripheral';
  peer: ControllerCore;
  /** Host ACL packets accepted for this connection and not yet reported complete. */
  inFlight: number;
  /** Completed since the last Number Of Completed Packets event. */
  completed: number;
  /** TX_PHY and RX_PHY (7.8.47): 0x01 LE 1M, 0x02 LE 2M. */
  txPhy: number;
  rxPhy: number;
  /** connMaxTxOctets and connMaxTxTime: what this side's host wants to send (Vol 6 Part B 4.5.10). */
  maxTxOctets: number;
  maxTxTime: number;
  /** The effective values last reported to the host (LE Data Length Change, 7.7.65.7). */
  dataLength: DataLength;
}

/** The reasons a host may give HCI_Disconnect (7.1.6). */
const DISCONNECT_REASONS = [0x05, 0x13, 0x14, 0x15, 0x1a, 0x29, 0x3b];
/** RSSI not available (7.5.4). */
const RSSI_UNAVAILABLE = 127;
const FIRST_HANDLE = 0x0040;
const LAST_HANDLE = 0x0eff;

type ConnectionCompleteFields = Omit<FieldsOf<typeof LeConnectionComplete>, 'centralClockAccuracy'>;

export class Connections {
  private readonly byHandle = new Map<number, Connection>();
  private readonly byAir = new Map<AirConnection, Connection>();
  private nextHandle = FIRST_HANDLE;

  constructor(private readonly core: ControllerCore) {}

  /** Connections are abandoned silently on this side; the peer hears nothing and times out. */
  reset(): void {
    this.byHandle.clear();
    this.byAir.clear();
  }

  get count(): number {
    return this.byHandle.size;
  }

  get(handle: number): Connection | undefined {
    return this.byHandle.get(handle);
  }

  forAir(air: AirConnection): Connection | undefined {
    return this.byAir.get(air);
  }

  airConnectionWith(peer: ControllerCore): AirConnection | undefined {
    for (const c of this.byHandle.values()) if (c.peer === peer) return c.air;
    return undefined;
  }

  handlers(): CommandHandler[] {
    const S = C.HciStatus;
    const list = [
      handle(Disconnect, (p) => {
        const conn = this.byHandle.get(p.connectionHandle);
        if (!conn) return refuse(S.UNKNOWN_CONNECTION_IDENTIFIER);
        if (!DISCONNECT_REASONS.includes(p.reason)) return refuse(S.INVALID_HCI_COMMAND_PARAMETERS);
        conn.air.requestTerminate(this.core, p.reason);
        return ok();
      }),
      handle(ReadRssi, (p) => {
        const conn = this.byHandle.get(p.connectionHandle);
        if (!conn) return refuse(S.UNKNOWN_CONNECTION_IDENTIFIER);
        return ok({ connectionHandle: p.connectionHandle, rssi: this.core.air.rssi(conn.peer, this.core) ?? RSSI_UNAVAILABLE });
      }),
      handle(LeReadRemoteFeatures, (p) => this.readRemote(p.connectionHandle, 'features')),
      handle(ReadRemoteVersionInformation, (p) => this.readRemote(p.connectionHandle, 'version')),
    ];
    return list;
  }

  private readRemote(handle: number, what: 'features' | 'version') {
    const conn = this.byHandle.get(handle);
    if (!conn) return refuse(C.HciStatus.UNKNOWN_CONNECTION_IDENTIFIER);
    const clock = this.core.air.clock;
    // The LL procedure takes a round trip: answer after two connection events.
    clock.at(clock.now() + 2 * conn.air.intervalMs, () => {
      if (this.byHandle.get(handle) !== conn) return;
      const status = C.HciStatus.SUCCESS;
      this.core.sendEvent(
        what === 'features'
          ? encodeEvent(LeReadRemoteFeaturesComplete, { status, connectionHandle: handle, leFeatures: leFeatures(conn.peer.options) })
          : encodeEvent(ReadRemoteVersionInformationComplete, {
              status,
              connectionHandle: handle,
              version: LMP_VERSION_5_4,
              companyIdentifier: MANUFACTURER_TEST,
              subversion: LMP_SUBVERSION,
            }),
      );
    });
    return ok();
  }

  /** Runs `fn` after `events` connection events, if the connection is still there: an LL procedure's round trips. */
  afterEvents(conn: Connection, events: number, fn: () => void): void {
    const clock = this.core.air.clock;
    clock.at(clock.now() + events * conn.air.intervalMs, () => {
      if (this.byHandle.get(conn.handle) === conn) fn();
    });
  }

  /** A connection came up with this controller in `role`. */
  opened(air: AirConnection, role: 'central' | 'peripheral', peer: ControllerCore, peerAddressType: number, peerAddress: Uint8Array): void {
    // Legacy advertising stops when a connection is created (Core 5.4 Vol 6 Part B 4.4.2).
    if (role === 'peripheral') this.core.advertising.stop();
    const handle = this.allocateHandle();
    const conn: Connection = {
      handle,
      air,
      role,
      peer,
      inFlight: 0,
      completed: 0,
      txPhy: C.PHYS_LE_1M,
      rxPhy: C.PHYS_LE_1M,
      maxTxOctets: C.LL_DEFAULT_DATA_OCTETS,
      maxTxTime: C.LL_DEFAULT_DATA_TIME,
      dataLength: DEFAULT_DATA_LENGTH,
    };
    this.byHandle.set(handle, conn);
    this.byAir.set(air, conn);
    this.sendConnectionComplete({
      status: C.HciStatus.SUCCESS,
      connectionHandle: handle,
      role: role === 'central' ? C.ROLE_CENTRAL : C.ROLE_PERIPHERAL,
      peerAddressType,
      peerAddress,
      connectionInterval: air.params.interval,
      peripheralLatency: air.params.latency,
      supervisionTimeout: air.params.supervisionTimeout,
    });
    // An extended advertising set that made the connection reports it after the connection complete event (7.7.65.18).
    if (role === 'peripheral') this.core.extendedAdvertising.connected(handle);
    this.core.announce('connection-opened', handle);
    this.core.dataLength.opened(conn);
  }

  /** Central_Clock_Accuracy 0x00 (500 ppm); no address resolution, so both resolvable private addresses are zero. */
  sendConnectionComplete(f: ConnectionCompleteFields): void {
    const fields = { ...f, centralClockAccuracy: 0x00 };
    // A host that unmasked the enhanced event gets it instead of the legacy one (7.7.65.10).
    const enhanced = this.core.setup.leEventEnabled(C.HCI_LE_ENHANCED_CONNECTION_COMPLETE);
    this.core.sendEvent(
      enhanced
        ? encodeEvent(LeEnhancedConnectionComplete, { ...fields, localResolvablePrivateAddress: new Uint8Array(6), peerResolvablePrivateAddress: new Uint8Array(6) })
        : encodeEvent(LeConnectionComplete, fields),
    );
  }

  private allocateHandle(): number {
    for (;;) {
      const h = this.nextHandle;
      this.nextHandle = this.nextHandle >= LAST_HANDLE ? FIRST_HANDLE : this.nextHandle + 1;
      if (!this.byHandle.has(h)) return h;
    }
  }

  closed(air: AirConnection, reason: number): void {
    const conn = this.byAir.get(air);
    if (!conn) return;
    this.byAir.delete(air);
    this.byHandle.delete(conn.handle);
    // Buffers held for the connection are freed without Number Of Completed Packets (7.7.5).
    this.core.acl.release(conn);
    this.core.sendEvent(encodeEvent(DisconnectionComplete, { status: C.HciStatus.SUCCESS, connectionHandle: conn.handle, reason }));
    this.core.announce('connection-closed', conn.handle, reason);
  }

  updated(air: AirConnection, initiatedHere: boolean, changed: boolean): void {
    const conn = this.byAir.get(air);
    if (!conn || !(initiatedHere || changed)) return;
    const p = air.params;
    this.core.sendEvent(
      encodeEvent(LeConnectionUpdateComplete, {
        status: C.HciStatus.SUCCESS,
        connectionHandle: conn.handle,
        connectionInterval: p.interval,
        peripheralLatency: p.latency,
        supervisionTimeout: p.supervisionTimeout,
      }),
    );
  }
}
