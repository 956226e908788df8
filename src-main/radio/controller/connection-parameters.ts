// Changing a connection's interval, latency and timeout (Core 5.4 Vol 4 Part E 7.8.18, 7.8.31,
// 7.8.32, 7.7.65.3, 7.7.65.6; Vol 6 Part B 5.1.1 Connection Update, 5.1.7 Connection Parameters
// Request). The central's host updates directly, its controller picking the interval by its rule
// (interval-rule.ts). A peripheral's host may ask only through the Connection Parameters Request
// procedure, when both controllers support it (LE feature bit 1); otherwise its host uses the
// L2CAP Connection Parameter Update Request (Vol 3 Part A 4.20), which is host business.
import {
  LeConnectionUpdate,
  LeRemoteConnectionParameterRequestNegativeReply,
  LeRemoteConnectionParameterRequestReply,
  validConnectionParameters,
  type ConnectionParameters as Requested,
} from '../../hci/commands/le-connection.ts';
import * as C from '../../hci/constants.ts';
import { encodeEvent } from '../../hci/event.ts';
import { LeConnectionUpdateComplete, LeRemoteConnectionParameterRequest } from '../../hci/le-events.ts';
import type { Connection } from './connections.ts';
import type { ControllerCore } from './core.ts';
import { handle, ok, refuse, type CommandHandler } from './dispatch.ts';
import { chooseInterval } from './interval-rule.ts';

/** An LL control PDU reaches the peer at the next connection event. */
const ONE_WAY_EVENTS = 1;

export class ConnectionParameters {
  /** LL_CONNECTION_PARAM_REQ from the peripheral waiting for this (central) host's reply. */
  private readonly awaitingReply = new Map<Connection, Requested>();

  constructor(private readonly core: ControllerCore) {}

  reset(): void {
    this.awaitingReply.clear();
  }

  handlers(): CommandHandler[] {
    const S = C.HciStatus;
    const list = [
      handle(LeConnectionUpdate, (p) => {
        const conn = this.core.connections.get(p.connectionHandle);
        if (!conn) return refuse(S.UNKNOWN_CONNECTION_IDENTIFIER);
        if (!validConnectionParameters(p)) return refuse(S.INVALID_HCI_COMMAND_PARAMETERS);
        if (conn.role === 'central') return ok({}, () => this.update(conn, p, this.core));
        // A peripheral without the procedure cannot ask its link layer (Zephyr ll_conn_update:
        // BT_HCI_ERR_CMD_DISALLOWED); its host must use L2CAP.
        if (!this.core.options.connectionParametersRequest) return refuse(S.COMMAND_DISALLOWED);
        return ok({}, () => this.requestFromPeripheral(conn, p));
      }),
    ];
    if (this.core.options.connectionParametersRequest) {
      list.push(
        handle(LeRemoteConnectionParameterRequestReply, (p) => {
          const conn = this.core.connections.get(p.connectionHandle);
          if (!conn) return refuse(S.UNKNOWN_CONNECTION_IDENTIFIER);
          if (!this.awaitingReply.has(conn)) return refuse(S.COMMAND_DISALLOWED);
          if (!validConnectionParameters(p)) return refuse(S.INVALID_HCI_COMMAND_PARAMETERS);
          this.awaitingReply.delete(conn);
          // The central's link layer answers with LL_CONNECTION_UPDATE_IND (5.1.7.1); the peripheral's
          // host asked, so its controller reports even unchanged parameters.
          return ok({ connectionHandle: p.connectionHandle }, () => this.update(conn, p, conn.peer));
        }),
        handle(LeRemoteConnectionParameterRequestNegativeReply, (p) => {
          const conn = this.core.connections.get(p.connectionHandle);
          if (!conn) return refuse(S.UNKNOWN_CONNECTION_IDENTIFIER);
          if (!this.awaitingReply.has(conn)) return refuse(S.COMMAND_DISALLOWED);
          this.awaitingReply.delete(conn);
          // LL_REJECT_EXT_IND carries the host's reason to the peripheral (5.1.7.1).
          return ok({ connectionHandle: p.connectionHandle }, () => this.rejectAtPeer(conn, p.reason));
        }),
      );
    }
    return list;
  }

  /** Connection Update procedure run by the central's link layer, which picks the interval. */
  private update(conn: Connection, p: Requested, initiator: ControllerCore): void {
    const central = conn.role === 'central' ? this.core : conn.peer;
    const interval = chooseInterval(central.options.connectionIntervalRule, p.connectionIntervalMin, p.connectionIntervalMax);
    conn.air.requestUpdate(initiator, { interval, latency: p.maxLatency, supervisionTimeout: p.supervisionTimeout });
  }

  /** This (peripheral) controller sends LL_CONNECTION_PARAM_REQ. */
  private requestFromPeripheral(conn: Connection, p: Requested): void {
    this.core.connections.afterEvents(conn, ONE_WAY_EVENTS, () => {
      const central = conn.peer.connections.forAir(conn.air);
      if (!central) return;
      // A central without the procedure answers LL_UNKNOWN_RSP: the procedure ends with Unsupported
      // Remote Feature (Vol 6 Part B 5.1.7.1).
      if (!conn.peer.options.connectionParametersRequest) return this.rejectedHere(conn, C.HciStatus.UNSUPPORTED_REMOTE_FEATURE);
      conn.peer.connectionParameters.requestFromPeer(central, p);
    });
  }

  /** LL_CONNECTION_PARAM_REQ arrived at this (central) controller: its host decides (7.7.65.6). */
  private requestFromPeer(conn: Connection, p: Requested): void {
    const event = encodeEvent(LeRemoteConnectionParameterRequest, {
      connectionHandle: conn.handle,
      intervalMin: p.connectionIntervalMin,
      intervalMax: p.connectionIntervalMax,
      maxLatency: p.maxLatency,
      timeout: p.supervisionTimeout,
    });
    // A host that masked the event cannot answer: reject at once, as Zephyr's hci.c
    // le_conn_param_req does ("event masked, reject the conn param req").
    if (!this.core.setup.allows(event)) return this.rejectAtPeer(conn, C.HciStatus.UNSUPPORTED_REMOTE_FEATURE);
    this.awaitingReply.set(conn, p);
    this.core.sendEvent(event);
  }

  /** LL_REJECT_EXT_IND from this (central) controller: the peripheral's host learns why. */
  private rejectAtPeer(conn: Connection, reason: number): void {
    this.core.connections.afterEvents(conn, ONE_WAY_EVENTS, () => {
      const peripheral = conn.peer.connections.forAir(conn.air);
      if (peripheral) conn.peer.connectionParameters.rejectedHere(peripheral, reason);
    });
  }

  /** The procedure this peripheral started failed: LE Connection Update Complete with the reason (7.7.65.3). */
  private rejectedHere(conn: Connection, status: number): void {
    const p = conn.air.params;
    this.core.sendEvent(
      encodeEvent(LeConnectionUpdateComplete, {
        status,
        connectionHandle: conn.handle,
        connectionInterval: p.interval,
        peripheralLatency: p.latency,
        supervisionTimeout: p.supervisionTimeout,
      }),
    );
  }
}
