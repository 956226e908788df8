// One activation of the host stack: the modules wired together and the connection table. HCI
// events for connections (LE Connection Complete, Disconnection Complete, Connection Update Complete)
// become IRQs here in the order MicroPython's BTstack binding raises them; L2CAP frames are routed
// to ATT (server or client by opcode parity), LE signaling and SMP.
import type { Clock } from '../hci/clock.ts';
import { LeConnectionUpdate, LeLongTermKeyRequestNegativeReply } from '../hci/commands/le-connection.ts';
import { Disconnect } from '../hci/commands/link-control.ts';
import * as C from '../hci/constants.ts';
import type { FieldsOf } from '../hci/event.ts';
import type { LeConnectionComplete } from '../hci/le-events.ts';
import type { ParsedEvent } from '../hci/registry.ts';
import { ATT_DEFAULT_MTU, encodeAtt, isServerBound } from './att-codec.ts';
import { Gap, reverse } from './gap.ts';
import { GattClient } from './gatt-client.ts';
import { GattDb } from './gatt-db.ts';
import { GattServer } from './gatt-server.ts';
import type { HciTransport } from './hci-transport.ts';
import { IRQ, type AttBearer, type IrqSink } from './irq.ts';
import { L2cap } from './l2cap.ts';
import { L2CAP_CID_ATT, L2CAP_CID_LE_SIGNALING, L2CAP_CID_SMP } from './l2cap-codec.ts';
import { onLeSignaling, onSmp, type L2capConnection, type SignalingHooks } from './l2cap-signaling.ts';

export interface Connection extends AttBearer {
  readonly role: 'central' | 'peripheral';
  /** The same connection as the LE signaling and SMP channels see it. */
  readonly signaling: L2capConnection;
  readonly addrType: number;
  /** Most significant octet first, as MicroPython shows addresses. */
  readonly addr: Uint8Array;
  disconnecting: boolean;
}

export interface StackHooks {
  irq: IrqSink;
  log(message: string): void;
  /** _IRQ_GATTS_READ_REQUEST: 0 allows the read. */
  readRequest(connHandle: number, attrHandle: number): number;
  /** l2cap_max_le_mtu(). */
  localMtu(): number;
  ownAddressType(): number;
}

export class Stack {
  readonly db = new GattDb();
  readonly l2cap: L2cap;
  readonly gap: Gap;
  readonly server: GattServer;
  readonly client: GattClient;
  readonly connections = new Map<number, Connection>();
  /** Called when the last connection has closed (ble.active(False) waits for it). */
  onAllClosed: (() => void) | null = null;
  private readonly signaling: SignalingHooks;

  constructor(
    readonly hci: HciTransport,
    clock: Clock,
    private readonly hooks: StackHooks,
  ) {
    this.l2cap = new L2cap(hci);
    this.gap = new Gap(hci, clock, {
      irq: hooks.irq,
      log: hooks.log,
      ownAddressType: hooks.ownAddressType,
      peripheralConnections: () => [...this.connections.values()].filter((c) => c.role === 'peripheral').length,
    });
    this.server = new GattServer(this.db, clock, { irq: hooks.irq, log: hooks.log, readRequest: hooks.readRequest });
    this.client = new GattClient(clock, {
      irq: hooks.irq,
      log: hooks.log,
      localMtu: hooks.localMtu,
      canSendNow: () => this.l2cap.canSendNow(),
    });
    this.signaling = {
      log: hooks.log,
      updateConnection: (handle, p) =>
        hci.command(
          LeConnectionUpdate,
          {
            connectionHandle: handle,
            connectionIntervalMin: p.intervalMin,
            connectionIntervalMax: p.intervalMax,
            maxLatency: p.latency,
            supervisionTimeout: p.timeout,
            minCeLength: 0,
            maxCeLength: 0,
          },
          ({ status }) => status !== 0 && hooks.log(`LE Connection Update 0x${handle.toString(16)}: ${C.statusName(status)}`),
        ),
    };
    hci.onEvent = (e) => this.onEvent(e);
    hci.onAcl = (handle, pb, data) => this.l2cap.receiveAcl(handle, pb, data);
    hci.onBuffersFreed = () => this.l2cap.pump();
    hci.onLog = hooks.log;
    this.l2cap.onFrame = (handle, cid, payload) => this.onFrame(handle, cid, payload);
    this.l2cap.onCanSend = () => this.client.canSend();
    this.l2cap.onLog = hooks.log;
  }

  /** Cancels every timer and forgets every connection, silently. */
  dispose(): void {
    this.gap.reset();
    this.server.dispose();
    this.client.dispose();
    this.l2cap.reset();
    this.connections.clear();
  }

  /** A connection to this peer, if any (BTstack's hci_connection_for_bd_addr_and_type). */
  find(addrType: number, addr: Uint8Array): Connection | undefined {
    return [...this.connections.values()].find((c) => c.addrType === addrType && c.addr.every((v, i) => v === addr[i]));
  }

  /**
   * gap_disconnect(): HCI_Disconnect with Remote User Terminated Connection. For a handle it does
   * not know, BTstack (1.5, 1.6) emits a Disconnection Complete itself, so the IRQ still comes.
   */
  disconnect(handle: number): void {
    const conn = this.connections.get(handle);
    if (!conn) {
      this.hooks.irq(IRQ.PERIPHERAL_DISCONNECT, [handle, 0xff, new Uint8Array(6)]);
      this.client.bindingDisconnected(handle);
      return;
    }
    if (conn.disconnecting) return;
    conn.disconnecting = true;
    this.hci.command(Disconnect, { connectionHandle: handle, reason: C.HciStatus.REMOTE_USER_TERMINATED_CONNECTION }, ({ status }) => {
      if (status === 0) return;
      conn.disconnecting = false;
      this.hooks.log(`HCI_Disconnect 0x${handle.toString(16)}: ${C.statusName(status)}`);
    });
  }

  private onEvent(e: ParsedEvent): void {
    switch (e.event) {
      case 'HCI_Disconnection_Complete':
        if (e.status === C.HciStatus.SUCCESS) this.closed(e.connectionHandle, e.reason);
        return;
      case 'HCI_LE_Connection_Complete':
        return this.opened(e);
      case 'HCI_LE_Advertising_Report':
        return this.gap.advertisingReport(e);
      case 'HCI_LE_Long_Term_Key_Request': // no bonds, so no keys (7.8.26 negative reply)
        return this.hci.command(LeLongTermKeyRequestNegativeReply, { connectionHandle: e.connectionHandle });
      case 'HCI_LE_Connection_Update_Complete':
        return this.hooks.irq(IRQ.CONNECTION_UPDATE, [e.connectionHandle, e.connectionInterval, e.peripheralLatency, e.supervisionTimeout, e.status]);
    }
  }

  private opened(e: FieldsOf<typeof LeConnectionComplete>): void {
    const { status, connectionHandle: handle } = e;
    const role = e.role === C.ROLE_CENTRAL ? 'central' : 'peripheral';
    const addrType = e.peerAddressType;
    const addr = reverse(e.peerAddress);
    if (role === 'central') this.gap.connectionComplete();
    if (status === 0) {
      const conn: Connection = {
        handle,
        role,
        signaling: { handle, role, send: (cid, payload) => this.l2cap.send(handle, cid, payload) },
        addrType,
        addr,
        disconnecting: false,
        mtu: ATT_DEFAULT_MTU,
        mtuExchanged: false,
        maxMtu: this.hooks.localMtu(),
        send: (pdu) => this.l2cap.send(handle, L2CAP_CID_ATT, encodeAtt(pdu)),
      };
      this.connections.set(handle, conn);
      this.l2cap.openConnection(handle);
      this.server.open(conn);
      this.client.open(conn);
      if (role === 'peripheral') this.gap.rolesChanged(true);
    } else {
      this.hooks.log(`LE connection failed: ${C.statusName(status)}`);
    }
    // The binding creates its connection record and raises the IRQ whatever the status.
    this.client.bindingConnected(handle);
    this.hooks.irq(role === 'central' ? IRQ.PERIPHERAL_CONNECT : IRQ.CENTRAL_CONNECT, [handle, addrType, addr.slice()]);
  }

  /** Disconnection Complete: pending GATT client queries end first, then the IRQ, then indications in flight. */
  private closed(handle: number, reason: number): void {
    const conn = this.connections.get(handle);
    this.hooks.log(`disconnected 0x${handle.toString(16)}: ${C.statusName(reason)}`);
    this.client.close(handle);
    const event = conn?.role === 'peripheral' ? IRQ.CENTRAL_DISCONNECT : IRQ.PERIPHERAL_DISCONNECT;
    this.hooks.irq(event, [handle, 0xff, new Uint8Array(6)]);
    this.client.bindingDisconnected(handle);
    this.server.close(handle);
    this.l2cap.closeConnection(handle);
    this.connections.delete(handle);
    if (conn?.role === 'peripheral') this.gap.rolesChanged();
    if (this.connections.size === 0) this.onAllClosed?.();
  }

  private onFrame(handle: number, cid: number, payload: Uint8Array): void {
    const conn = this.connections.get(handle);
    if (!conn) return;
    switch (cid) {
      case L2CAP_CID_ATT: {
        const opcode = payload[0];
        if (opcode === undefined) return; // att_dispatch: empty PDUs are dropped
        if (isServerBound(opcode)) this.server.receive(handle, payload);
        else this.client.receive(handle, payload);
        return;
      }
      case L2CAP_CID_LE_SIGNALING:
        return onLeSignaling(conn.signaling, payload, this.signaling);
      case L2CAP_CID_SMP:
        return onSmp(conn.signaling, payload, this.signaling);
      default:
        this.hooks.log(`L2CAP frame on unknown CID 0x${cid.toString(16)} dropped`);
    }
  }
}
