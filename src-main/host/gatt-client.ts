// The GATT client: discovery, read, write and notifications, following BTstack's gatt_client.c
// (one query per connection, one ATT request in flight, Core 5.4 Vol 3 Part F 3.3.2 and Part G 4)
// and MicroPython's BTstack binding on top of it (modbluetooth_btstack.c: one pending read or
// write per connection, one write-without-response held while the ACL buffers are full).
import type { Clock, Timer } from '../hci/clock.ts';
import { DecodeError } from '../hci/bytes.ts';
import { ATT_DEFAULT_MTU, AttError, decodeAtt, type AttPdu } from './att-codec.ts';
import { BleError, Errno } from './ble-error.ts';
import { GATT_CHARACTERISTIC, GATT_PRIMARY_SERVICE } from './gatt-db.ts';
import { ATT_TRANSACTION_TIMEOUT_MS } from './gatt-server.ts';
import { IRQ, type AttBearer, type IrqSink } from './irq.ts';
import { uuid128, uuidFromAir, type Uuid } from './uuid.ts';

/** The binding's "no read or write pending" marker (pending_value_handle). */
const NONE = 0xffff;
const u16 = (v: number): Uint8Array => Uint8Array.from([v & 0xff, v >> 8]);
const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((v, i) => v === b[i]);

type Op =
  | { kind: 'services'; filter: Uuid | null; start: number }
  | { kind: 'characteristics'; filter: Uuid | null; start: number; end: number; found: { value: number; props: number; uuid: Uuid } | null }
  | { kind: 'descriptors'; start: number; end: number }
  | { kind: 'read'; handle: number }
  | { kind: 'write'; handle: number; value: Uint8Array };

const DONE: Record<Op['kind'], number> = {
  services: IRQ.GATTC_SERVICE_DONE,
  characteristics: IRQ.GATTC_CHARACTERISTIC_DONE,
  descriptors: IRQ.GATTC_DESCRIPTOR_DONE,
  read: IRQ.GATTC_READ_DONE,
  write: IRQ.GATTC_WRITE_DONE,
};

/** The response each query waits for (besides Error Response). */
function expects(op: Op): AttPdu['op'] {
  switch (op.kind) {
    case 'services':
      return op.filter ? 'find-by-type-rsp' : 'read-by-group-rsp';
    case 'characteristics':
      return 'read-by-type-rsp';
    case 'descriptors':
      return 'find-info-rsp';
    case 'read':
      return 'read-rsp';
    case 'write':
      return 'write-rsp';
  }
}

/** What the GATT client keeps per connection (BTstack's gatt_client_t). */
interface ClientConnection {
  bearer: AttBearer;
  op: Op | null;
  opToSend: boolean;
  outstanding: 'mtu' | 'op' | null;
  mtuRequested: boolean;
  timer: Timer | null;
}

/** mp_btstack_active_connection_t: what the binding tracks per connection. */
interface BindingConnection {
  pendingValueHandle: number;
  pendingWrite: { handle: number; value: Uint8Array } | null;
}

export interface GattClientHooks {
  irq: IrqSink;
  log(message: string): void;
  /** l2cap_max_le_mtu(): the ATT_MTU we offer, read when a request is sent. */
  localMtu(): number;
  /** Whether a PDU would go to the controller now (att_dispatch_client_can_send_now). */
  canSendNow(): boolean;
}

export class GattClient {
  private readonly connections = new Map<number, ClientConnection>();
  private readonly binding = new Map<number, BindingConnection>();

  constructor(
    private readonly clock: Clock,
    private readonly hooks: GattClientHooks,
  ) {}

  /** An LE Connection Complete, successful or not: the binding's create_active_connection(). */
  bindingConnected(handle: number): void {
    this.binding.set(handle, { pendingValueHandle: NONE, pendingWrite: null });
  }

  /** After the disconnect IRQ: remove_active_connection(). */
  bindingDisconnected(handle: number): void {
    this.binding.delete(handle);
  }

  open(bearer: AttBearer): void {
    this.connections.set(bearer.handle, { bearer, op: null, opToSend: false, outstanding: null, mtuRequested: false, timer: null });
  }

  /** Forgets every connection and cancels their timers, without IRQs (the host is being closed). */
  dispose(): void {
    for (const conn of this.connections.values()) conn.timer?.cancel();
    this.connections.clear();
    this.binding.clear();
  }

  /** The connection is gone: a query in flight ends with ATT_ERROR_HCI_DISCONNECT_RECEIVED. */
  close(handle: number): void {
    const conn = this.connections.get(handle);
    if (!conn) return;
    conn.timer?.cancel();
    if (conn.op) this.complete(conn, AttError.HCI_DISCONNECT_RECEIVED);
    this.connections.delete(handle);
  }

  discoverServices(handle: number, filter: Uuid | null): void {
    this.start(handle, filter, { kind: 'services', filter, start: 0x0001 });
  }

  discoverCharacteristics(handle: number, start: number, end: number, filter: Uuid | null): void {
    this.start(handle, filter, { kind: 'characteristics', filter, start, end, found: null });
  }

  /** `start` is the characteristic's value handle: descriptors are looked for after it (gatt_client_discover_characteristic_descriptors). */
  discoverDescriptors(handle: number, start: number, end: number): void {
    const conn = this.idleConnection(handle);
    if (start === end) return this.hooks.irq(IRQ.GATTC_DESCRIPTOR_DONE, [handle, 0]);
    this.begin(conn, { kind: 'descriptors', start: (start + 1) & 0xffff, end });
  }

  read(handle: number, valueHandle: number): void {
    this.withPending(handle, valueHandle, () => this.begin(this.idleConnection(handle), { kind: 'read', handle: valueHandle }));
  }

  write(handle: number, valueHandle: number, value: Uint8Array, mode: 0 | 1): void {
    if (mode === 1) {
      return this.withPending(handle, valueHandle, () => this.begin(this.idleConnection(handle), { kind: 'write', handle: valueHandle, value: value.slice() }));
    }
    // gatt_client_write_value_of_characteristic_without_response(): unknown connection -> EINVAL, too long -> EINVAL.
    const conn = this.connections.get(handle);
    if (!conn) throw new BleError(Errno.EINVAL, `no connection ${handle}`);
    if (value.length > conn.bearer.mtu - 3) throw new BleError(Errno.EINVAL, `value of ${value.length} octets exceeds ATT_MTU - 3`);
    if (this.hooks.canSendNow()) return conn.bearer.send({ op: 'write-cmd', handle: valueHandle, value: value.slice() });
    // GATT_CLIENT_BUSY: the binding keeps one write until GATT_EVENT_CAN_WRITE_WITHOUT_RESPONSE.
    const b = this.bindingFor(handle);
    if (b.pendingValueHandle !== NONE) throw new BleError(Errno.EALREADY, 'a read or write is already pending');
    b.pendingValueHandle = valueHandle;
    b.pendingWrite = { handle: valueHandle, value: value.slice() };
  }

  /** gatt_client_send_mtu_negotiation(): once per connection, silently ignored otherwise. */
  exchangeMtu(handle: number): void {
    const conn = this.connections.get(handle);
    if (!conn || conn.mtuRequested || conn.bearer.mtuExchanged) return;
    conn.mtuRequested = true;
    this.run(conn);
  }

  /** Buffers are free again: send the held write-without-response. */
  canSend(): void {
    for (const [handle, b] of this.binding) {
      const conn = this.connections.get(handle);
      if (!b.pendingWrite || !conn || !this.hooks.canSendNow()) continue;
      const { handle: valueHandle, value } = b.pendingWrite;
      b.pendingWrite = null;
      b.pendingValueHandle = NONE;
      conn.bearer.send({ op: 'write-cmd', handle: valueHandle, value });
    }
  }

  /** A PDU for the client (odd opcode): a response, a notification or an indication. */
  receive(handle: number, bytes: Uint8Array): void {
    const conn = this.connections.get(handle);
    if (!conn) return;
    let p: AttPdu;
    try {
      p = decodeAtt(bytes);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      return this.hooks.log(`ATT client, handle 0x${handle.toString(16)}: ${e.message}`);
    }
    if (p.op === 'notify' || p.op === 'indicate') {
      this.hooks.irq(p.op === 'notify' ? IRQ.GATTC_NOTIFY : IRQ.GATTC_INDICATE, [handle, p.handle, p.value.slice()]);
      if (p.op === 'indicate') conn.bearer.send({ op: 'confirm' });
      return;
    }
    if (conn.outstanding === 'mtu' && (p.op === 'mtu-rsp' || p.op === 'error-rsp')) {
      this.settle(conn);
      if (p.op === 'mtu-rsp') {
        conn.bearer.mtu = Math.max(ATT_DEFAULT_MTU, Math.min(p.mtu, this.hooks.localMtu()));
        conn.bearer.mtuExchanged = true;
        this.hooks.irq(IRQ.MTU_EXCHANGED, [handle, conn.bearer.mtu]);
      }
      return this.run(conn);
    }
    const op = conn.op;
    if (conn.outstanding !== 'op' || !op) return;
    if (p.op === 'error-rsp') {
      this.settle(conn);
      return this.failed(conn, op, p.code);
    }
    if (p.op !== expects(op)) return this.hooks.log(`ATT client: unexpected ${p.op} during ${op.kind} discovery or access`);
    this.settle(conn);
    this.answer(conn, op, p);
    this.run(conn);
  }

  private answer(conn: ClientConnection, op: Op, p: AttPdu): void {
    const handle = conn.bearer.handle;
    if (op.kind === 'services' && p.op === 'read-by-group-rsp') {
      for (const e of p.entries) {
        if (e.value.length === 2 || e.value.length === 16) this.hooks.irq(IRQ.GATTC_SERVICE_RESULT, [handle, e.start, e.end, uuidFromAir(e.value)]);
      }
      return this.next(conn, op, p.entries.at(-1)!.end, 0xffff);
    }
    if (op.kind === 'services' && p.op === 'find-by-type-rsp' && op.filter) {
      const found = uuidFromAir(uuid128(op.filter));
      for (const r of p.ranges) this.hooks.irq(IRQ.GATTC_SERVICE_RESULT, [handle, r.start, r.end, found]);
      return this.next(conn, op, p.ranges.at(-1)!.end, 0xffff);
    }
    if (op.kind === 'characteristics' && p.op === 'read-by-type-rsp') {
      let last = 0xffff;
      for (const e of p.entries) {
        last = e.value.length >= 3 ? e.value[1]! | (e.value[2]! << 8) : last;
        if (e.value.length !== 5 && e.value.length !== 19) continue; // report_gatt_characteristics(): 7 or 21 only
        this.characteristicEnd(handle, op, e.handle - 1);
        const type = e.value.subarray(3);
        if (op.filter && !same(uuid128(op.filter), uuid128({ bytes: type }))) continue;
        op.found = { value: last, props: e.value[0]!, uuid: uuidFromAir(type) };
      }
      if (last >= op.end) this.characteristicEnd(handle, op, op.end);
      return this.next(conn, op, last, op.end);
    }
    if (op.kind === 'descriptors' && p.op === 'find-info-rsp') {
      for (const e of p.entries) this.hooks.irq(IRQ.GATTC_DESCRIPTOR_RESULT, [handle, e.handle, uuidFromAir(e.type)]);
      return this.next(conn, op, p.entries.at(-1)!.handle, op.end);
    }
    if (op.kind === 'read' && p.op === 'read-rsp') {
      this.hooks.irq(IRQ.GATTC_READ_RESULT, [handle, op.handle, p.value.slice()]);
      return this.complete(conn, 0);
    }
    this.complete(conn, 0);
  }

  /** trigger_next_query(): done when the last handle reached the end, else ask again from the next one. */
  private next(conn: ClientConnection, op: Extract<Op, { start: number }>, last: number, end: number): void {
    if (last >= end) return this.complete(conn, 0);
    op.start = last + 1;
    conn.opToSend = true;
  }

  private failed(conn: ClientConnection, op: Op, code: number): void {
    if (code === AttError.ATTRIBUTE_NOT_FOUND && op.kind !== 'read' && op.kind !== 'write') {
      if (op.kind === 'characteristics') this.characteristicEnd(conn.bearer.handle, op, op.end);
      this.complete(conn, 0);
    } else {
      this.complete(conn, code);
    }
    this.run(conn);
  }

  private characteristicEnd(handle: number, op: Extract<Op, { kind: 'characteristics' }>, end: number): void {
    const f = op.found;
    if (!f) return;
    op.found = null;
    // extmod/modbluetooth.c: (conn_handle, end_handle, value_handle, properties, uuid).
    this.hooks.irq(IRQ.GATTC_CHARACTERISTIC_RESULT, [handle, end, f.value, f.props, f.uuid]);
  }

  /** Ends the query; the IRQ goes out with the client idle again, so the handler may start the next one. */
  private complete(conn: ClientConnection, status: number): void {
    const op = conn.op;
    if (!op) return;
    conn.op = null;
    conn.opToSend = false;
    const handle = conn.bearer.handle;
    if (op.kind === 'read' || op.kind === 'write') {
      const b = this.binding.get(handle);
      const valueHandle = b?.pendingValueHandle ?? op.handle;
      if (b) b.pendingValueHandle = NONE;
      this.hooks.irq(DONE[op.kind], [handle, valueHandle, status]);
    } else {
      this.hooks.irq(DONE[op.kind], [handle, status]);
    }
  }

  private settle(conn: ClientConnection): void {
    conn.outstanding = null;
    conn.timer?.cancel();
    conn.timer = null;
  }

  private run(conn: ClientConnection): void {
    if (conn.outstanding || this.connections.get(conn.bearer.handle) !== conn) return;
    let pdu: AttPdu | null = null;
    if (conn.mtuRequested && !conn.bearer.mtuExchanged) {
      pdu = { op: 'mtu-req', mtu: this.hooks.localMtu() };
      conn.outstanding = 'mtu';
      conn.mtuRequested = false;
    } else if (conn.op && conn.opToSend) {
      pdu = this.requestFor(conn, conn.op);
      if (!pdu) return;
      conn.opToSend = false;
      conn.outstanding = 'op';
    }
    if (!pdu) return;
    conn.bearer.send(pdu);
    conn.timer = this.clock.at(this.clock.now() + ATT_TRANSACTION_TIMEOUT_MS, () => {
      const waited = conn.outstanding;
      this.settle(conn);
      this.hooks.log(`ATT request timed out on handle 0x${conn.bearer.handle.toString(16)}`);
      if (waited === 'op') this.complete(conn, AttError.TIMEOUT);
      this.run(conn);
    });
  }

  private requestFor(conn: ClientConnection, op: Op): AttPdu | null {
    switch (op.kind) {
      case 'services':
        return op.filter
          ? { op: 'find-by-type-req', start: op.start, end: 0xffff, type: GATT_PRIMARY_SERVICE, value: op.filter.bytes }
          : { op: 'read-by-group-req', start: op.start, end: 0xffff, type: u16(GATT_PRIMARY_SERVICE) };
      case 'characteristics':
        return { op: 'read-by-type-req', start: op.start, end: op.end, type: u16(GATT_CHARACTERISTIC) };
      case 'descriptors':
        return { op: 'find-info-req', start: op.start, end: op.end };
      case 'read':
        return { op: 'read-req', handle: op.handle };
      case 'write':
        // gatt_client_run(): a value longer than ATT_MTU - 3 ends the write without sending it.
        if (op.value.length > conn.bearer.mtu - 3) {
          this.complete(conn, AttError.INVALID_ATTRIBUTE_VALUE_LENGTH);
          return null;
        }
        return { op: 'write-req', handle: op.handle, value: op.value };
    }
  }

  private start(handle: number, filter: Uuid | null, op: Op): void {
    if (filter && filter.bytes.length === 4) throw new BleError(Errno.EINVAL, '32-bit UUIDs are not supported by BTstack'); // binding: "unknown UUID size" -> MP_EINVAL
    this.begin(this.idleConnection(handle), op);
  }

  private begin(conn: ClientConnection, op: Op): void {
    conn.op = op;
    conn.opToSend = true;
    this.run(conn);
  }

  /** gatt_client_provide_context_for_request(): unknown connection -> EINVAL, a query in progress -> EALREADY. */
  private idleConnection(handle: number): ClientConnection {
    const conn = this.connections.get(handle);
    if (!conn) throw new BleError(Errno.EINVAL, `no connection ${handle}`);
    if (conn.op) throw new BleError(Errno.EALREADY, 'a GATT client operation is in progress');
    return conn;
  }

  private bindingFor(handle: number): BindingConnection {
    const b = this.binding.get(handle);
    if (b) return b;
    // binding: find_active_connection() fails only with no connection at all (MP_ENOTCONN); otherwise it
    // returns the last connection and BTstack answers unknown connection identifier (EINVAL).
    if (this.binding.size === 0) throw new BleError(Errno.ENOTCONN, `no connection ${handle}`);
    throw new BleError(Errno.EINVAL, `no connection ${handle}`);
  }

  /** The binding's one read-or-write-per-connection rule around a gatt_client call. */
  private withPending(handle: number, valueHandle: number, call: () => void): void {
    const b = this.bindingFor(handle);
    // binding: "There can only be a single pending GATT client operation per connection" -> MP_EALREADY
    if (b.pendingValueHandle !== NONE) throw new BleError(Errno.EALREADY, 'a read or write is already pending');
    b.pendingValueHandle = valueHandle;
    try {
      call();
    } catch (e) {
      b.pendingValueHandle = NONE;
      throw e;
    }
  }
}
