// The ATT server over the attribute database: every request answered as BTstack's att_db.c
// answers it (Core 5.4 Vol 3 Part F 3.4), writes stored and reported as MicroPython's BTstack
// binding does (att_write_callback), and notifications / indications sent for gatts_notify /
// gatts_indicate (att_server.c: one indication in flight, the rest queued).
import type { Clock, Timer } from '../hci/clock.ts';
import { DecodeError } from '../hci/bytes.ts';
import { ATT_DEFAULT_MTU, AttError, decodeAtt, type AttPdu } from './att-codec.ts';
import { BleError, Errno } from './ble-error.ts';
import {
  ATT_PROPERTY_DYNAMIC,
  ATT_PROPERTY_READ,
  ATT_PROPERTY_WRITE,
  ATT_PROPERTY_WRITE_WITHOUT_RESPONSE,
  GATT_CLIENT_CHARACTERISTIC_CONFIGURATION,
  GATT_PRIMARY_SERVICE,
  GATT_SECONDARY_SERVICE,
  SECURITY_AUTHENTICATED,
  SECURITY_AUTHORIZED,
  SECURITY_ENCRYPTED,
  type Attribute,
  type GattDb,
} from './gatt-db.ts';
import { IRQ, type AttBearer, type IrqSink } from './irq.ts';

/** ATT transaction timeout, also applied to an unconfirmed indication. Core 5.4 Vol 3 Part F 3.3.3. */
export const ATT_TRANSACTION_TIMEOUT_MS = 30_000;
/** INDICATE_DONE statuses from BTstack's bluetooth.h. */
export const ATT_HANDLE_VALUE_INDICATION_TIMEOUT = 0x91;
export const ATT_HANDLE_VALUE_INDICATION_DISCONNECT = 0x92;
/** Opcode bit 6: a command, which never gets a response. Vol 3 Part F 3.3.1. */
const ATT_COMMAND_FLAG = 0x40;

const BASE_PREFIX = [0xfb, 0x34, 0x9b, 0x5f, 0x80, 0x00, 0x00, 0x80, 0x00, 0x10, 0x00, 0x00];
const isBase = (u: Uint8Array): boolean => u.length === 16 && BASE_PREFIX.every((v, i) => v === u[i]) && u[14] === 0 && u[15] === 0;

/** att_iterator_match_uuid16(): a 16-bit type, or a 128-bit one built on the Base UUID. */
function match16(type: Uint8Array, v: number): boolean {
  if (type.length === 2) return (type[0]! | (type[1]! << 8)) === v;
  return isBase(type) && (type[12]! | (type[13]! << 8)) === v;
}

/** att_iterator_match_uuid(). */
function typeMatches(type: Uint8Array, want: Uint8Array): boolean {
  if (want.length === 2) return match16(type, want[0]! | (want[1]! << 8));
  if (type.length === 16) return type.every((v, i) => v === want[i]);
  return isBase(want) && type[0] === want[12] && type[1] === want[13];
}

const isService = (a: Attribute): boolean => match16(a.type, GATT_PRIMARY_SERVICE) || match16(a.type, GATT_SECONDARY_SERVICE);
const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((v, i) => v === b[i]);
const error = (request: number, handle: number, code: number): AttPdu => ({ op: 'error-rsp', request, handle, code });

/** att_validate_security() for a connection that is never encrypted, authenticated or authorized. */
function securityError(level: number): number {
  if (level === SECURITY_ENCRYPTED) return AttError.INSUFFICIENT_ENCRYPTION;
  if (level === SECURITY_AUTHENTICATED) return AttError.INSUFFICIENT_AUTHENTICATION;
  if (level === SECURITY_AUTHORIZED) return AttError.INSUFFICIENT_AUTHORIZATION;
  return 0;
}

export interface GattServerHooks {
  irq: IrqSink;
  /**
   * _IRQ_GATTS_READ_REQUEST for a dynamic attribute, raised synchronously: the handler's return
   * value as mp_obj_get_int_maybe() reads it (0 for None, no handler or a non-int), which
   * modbluetooth.c's mp_bluetooth_gatts_on_read_request() returns (0 = allow).
   */
  readRequest(connHandle: number, attrHandle: number): number;
  log(message: string): void;
}

/** What the ATT server keeps per connection. */
interface ServerConnection {
  bearer: AttBearer;
  indication: { valueHandle: number; timer: Timer } | null;
  waiting: { valueHandle: number; value: Uint8Array }[];
}

export class GattServer {
  private readonly connections = new Map<number, ServerConnection>();

  constructor(
    private readonly db: GattDb,
    private readonly clock: Clock,
    private readonly hooks: GattServerHooks,
  ) {}

  open(bearer: AttBearer): void {
    this.connections.set(bearer.handle, { bearer, indication: null, waiting: [] });
  }

  /** Forgets every connection and cancels their timers, without IRQs (the host is being closed). */
  dispose(): void {
    for (const conn of this.connections.values()) conn.indication?.timer.cancel();
    this.connections.clear();
  }

  /** The connection is gone: an indication in flight ends with ATT_HANDLE_VALUE_INDICATION_DISCONNECT; queued ones are dropped. */
  close(handle: number): void {
    const conn = this.connections.get(handle);
    if (!conn) return;
    this.connections.delete(handle);
    if (!conn.indication) return;
    conn.indication.timer.cancel();
    this.hooks.irq(IRQ.GATTS_INDICATE_DONE, [handle, conn.indication.valueHandle, ATT_HANDLE_VALUE_INDICATION_DISCONNECT]);
  }

  /** gatts_notify: sent regardless of the CCCD, cut to ATT_MTU - 3; queued (never dropped) while buffers are full. */
  notify(handle: number, valueHandle: number, value: Uint8Array): void {
    const conn = this.connection(handle);
    conn.bearer.send({ op: 'notify', handle: valueHandle, value: value.subarray(0, conn.bearer.mtu - 3) });
  }

  /** gatts_indicate: one in flight per connection (Vol 3 Part F 3.4.7.2); later ones wait for the confirmation. */
  indicate(handle: number, valueHandle: number, value: Uint8Array): void {
    const conn = this.connection(handle);
    const cut = value.slice(0, conn.bearer.mtu - 3);
    if (conn.indication) conn.waiting.push({ valueHandle, value: cut });
    else this.sendIndication(conn, valueHandle, cut);
  }

  /** A PDU for the server (even opcode). */
  receive(handle: number, bytes: Uint8Array): void {
    const conn = this.connections.get(handle);
    if (!conn || bytes.length === 0) return;
    const opcode = bytes[0]!;
    let pdu: AttPdu;
    try {
      pdu = decodeAtt(bytes);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.hooks.log(`ATT server, handle 0x${handle.toString(16)}: ${e.message}`);
      if (opcode & ATT_COMMAND_FLAG) return;
      return conn.bearer.send(error(opcode, 0, AttError.INVALID_PDU));
    }
    if (pdu.op === 'confirm' && conn.indication) return this.confirmed(conn);
    const response = this.request(conn, pdu, opcode);
    if (response) conn.bearer.send(response);
    if (pdu.op === 'mtu-req') this.hooks.irq(IRQ.MTU_EXCHANGED, [handle, conn.bearer.mtu]);
  }

  private connection(handle: number): ServerConnection {
    const conn = this.connections.get(handle);
    // att_server_notify / att_server_indicate: ERROR_CODE_UNKNOWN_CONNECTION_IDENTIFIER -> btstack_error_to_errno -> EINVAL.
    if (!conn) throw new BleError(Errno.EINVAL, `no connection ${handle}`);
    return conn;
  }

  private sendIndication(conn: ServerConnection, valueHandle: number, value: Uint8Array): void {
    conn.bearer.send({ op: 'indicate', handle: valueHandle, value });
    const timer = this.clock.at(this.clock.now() + ATT_TRANSACTION_TIMEOUT_MS, () => {
      if (conn.indication?.timer !== timer) return;
      conn.indication = null;
      this.hooks.irq(IRQ.GATTS_INDICATE_DONE, [conn.bearer.handle, valueHandle, ATT_HANDLE_VALUE_INDICATION_TIMEOUT]);
      this.sendNext(conn);
    });
    conn.indication = { valueHandle, timer };
  }

  private confirmed(conn: ServerConnection): void {
    const { valueHandle, timer } = conn.indication!;
    timer.cancel();
    conn.indication = null;
    this.hooks.irq(IRQ.GATTS_INDICATE_DONE, [conn.bearer.handle, valueHandle, 0]);
    this.sendNext(conn);
  }

  private sendNext(conn: ServerConnection): void {
    const next = conn.waiting.shift();
    if (next && this.connections.get(conn.bearer.handle) === conn) this.sendIndication(conn, next.valueHandle, next.value);
  }

  /**
   * att_update_value_len() (BTstack att_db.c): a dynamic attribute's length is whatever the
   * binding's att_read_callback() answers when asked with buffer NULL, size 0
   * (modbluetooth_btstack.c). That query raises _IRQ_GATTS_READ_REQUEST and returns 0 when
   * `!mp_bluetooth_gatts_on_read_request()`, and on_read_request returns 0 to *allow* a read
   * (modbluetooth.h: "Return 0 to allow the read"): so an allowed read of a dynamic attribute
   * measures 0 octets, and a handler that returns non-zero gets the stored length. Seen on
   * MicroPython 1.27 + BTstack: a CCCD read by type answers `09 02 0c 00`.
   */
  private valueLength(conn: ServerConnection, a: Attribute): number {
    if (!(a.flags & ATT_PROPERTY_DYNAMIC)) return a.value.length;
    if (!this.db.has(a.handle)) return 0; // att_read_callback: "handle not found"
    if (!this.hooks.readRequest(conn.bearer.handle, a.handle)) return 0;
    // att_read_callback_handle_blob() with buffer NULL: the whole stored length, whatever the offset.
    return this.db.peerValue(a).length;
  }

  /**
   * att_copy_value(): a dynamic value comes from the binding's att_read_callback() with a buffer,
   * which skips the read-request check and copies min(stored - offset, size) octets
   * (att_read_callback_handle_blob); a static one min(value_len - offset, size).
   */
  private copyValue(a: Attribute, offset: number, size: number): Uint8Array {
    const v = this.db.peerValue(a);
    if (offset > v.length) return new Uint8Array(0);
    return v.slice(offset, offset + Math.max(0, size));
  }

  /** att_write_callback(): store, then _IRQ_GATTS_WRITE unless it was a CCCD. */
  private peerWrite(conn: ServerConnection, a: Attribute, value: Uint8Array): void {
    this.db.peerWrite(a.handle, value);
    if (this.db.uuid16Of(a.handle) !== GATT_CLIENT_CHARACTERISTIC_CONFIGURATION) {
      this.hooks.irq(IRQ.GATTS_WRITE, [conn.bearer.handle, a.handle]);
    }
  }

  private request(conn: ServerConnection, p: AttPdu, opcode: number): AttPdu | null {
    const size = conn.bearer.mtu;
    switch (p.op) {
      case 'mtu-req': { // 3.4.2: min(client, ours), at least the default
        conn.bearer.mtu = Math.max(ATT_DEFAULT_MTU, Math.min(p.mtu, conn.bearer.maxMtu));
        conn.bearer.mtuExchanged = true;
        return { op: 'mtu-rsp', mtu: conn.bearer.mtu };
      }
      case 'find-info-req':
        return this.findInformation(p.start, p.end, size);
      case 'find-by-type-req':
        return this.findByTypeValue(p.start, p.end, p.type, p.value, size);
      case 'read-by-type-req':
        return this.readByType(conn, p.start, p.end, p.type, size);
      case 'read-by-group-req':
        return this.readByGroupType(p.start, p.end, p.type, size);
      case 'read-req':
      case 'read-blob-req':
        return this.read(conn, opcode, p.handle, p.op === 'read-blob-req' ? p.offset : null, size);
      case 'read-multiple-req':
        return this.readMultiple(conn, p.handles, size);
      case 'write-req':
      case 'prepare-write-req':
        return this.write(conn, p, opcode);
      case 'write-cmd': {
        const a = this.db.find(p.handle);
        const allowed = a && a.flags & ATT_PROPERTY_DYNAMIC && a.flags & ATT_PROPERTY_WRITE_WITHOUT_RESPONSE && !securityError(a.writeSecurity);
        if (a && allowed) this.peerWrite(conn, a, p.value);
        return null;
      }
      case 'execute-write-req':
        // The binding ignores att_write_callback calls for handle 0 (execute / cancel): nothing to apply.
        return { op: 'execute-write-rsp' };
      default:
        // BTstack att_db.c: any other opcode reaching the server gets Request Not Supported, handle 0.
        return error(opcode, 0, AttError.REQUEST_NOT_SUPPORTED);
    }
  }

  private findInformation(start: number, end: number, size: number): AttPdu {
    if (start > end || start === 0) return error(0x04, start, AttError.INVALID_HANDLE);
    const entries: { handle: number; type: Uint8Array }[] = [];
    let used = 2;
    for (const a of this.db.attributes) {
      if (a.handle > end) break;
      if (a.handle < start) continue;
      if (entries.length > 0 && a.type.length !== entries[0]!.type.length) break;
      if (used + 2 + a.type.length > size) break;
      entries.push({ handle: a.handle, type: a.type });
      used += 2 + a.type.length;
    }
    return entries.length > 0 ? { op: 'find-info-rsp', entries } : error(0x04, start, AttError.ATTRIBUTE_NOT_FOUND);
  }

  /** Compares static values only, as BTstack ("doesn't handle DYNAMIC values"). */
  private findByTypeValue(start: number, end: number, type: number, value: Uint8Array, size: number): AttPdu {
    if (start > end || start === 0) return error(0x06, start, AttError.INVALID_HANDLE);
    const ranges: { start: number; end: number }[] = [];
    let open: number | null = null;
    let prev = 0;
    for (const a of [...this.db.attributes, null]) {
      const h = a?.handle ?? 0;
      if (h !== 0 && h < start) continue;
      if (h > end) break;
      if (open !== null && (!a || isService(a))) {
        ranges.push({ start: open, end: prev });
        open = null;
        if (1 + 4 * ranges.length + 4 > size) break;
      }
      prev = h;
      if (a && match16(a.type, type) && !(a.flags & ATT_PROPERTY_DYNAMIC) && sameBytes(a.value, value)) open = h;
    }
    return ranges.length > 0 ? { op: 'find-by-type-rsp', ranges } : error(0x06, start, AttError.ATTRIBUTE_NOT_FOUND);
  }

  /** handle_read_by_type_request2(): pairs of one length, each value as long as its length query said. */
  private readByType(conn: ServerConnection, start: number, end: number, type: Uint8Array, size: number): AttPdu {
    if (start > end || start === 0) return error(0x08, start, AttError.INVALID_HANDLE);
    const entries: { handle: number; value: Uint8Array }[] = [];
    let used = 1;
    let pairLength = 0;
    let code = 0;
    let unreadable = 0;
    for (const a of this.db.attributes) {
      if (a.handle > end) break;
      if (a.handle < start || !typeMatches(a.type, type)) continue;
      if (!(a.flags & ATT_PROPERTY_READ)) {
        unreadable ||= a.handle;
        continue;
      }
      code = securityError(a.readSecurity);
      if (code) break;
      let length = this.valueLength(conn, a);
      const thisPair = 2 + length;
      if (entries.length > 0 && thisPair !== pairLength) break;
      if (entries.length === 0) {
        pairLength = thisPair;
        used += 1;
      }
      if (used + pairLength > size) {
        if (entries.length > 0) break;
        // A first value too long for the PDU is cut to fit (Vol 3 Part F 3.4.4.2).
        length = size - 4;
      }
      entries.push({ handle: a.handle, value: this.copyValue(a, 0, length) });
      used += 2 + length;
    }
    if (entries.length > 0) return { op: 'read-by-type-rsp', entries };
    if (code) return error(0x08, start, code);
    if (unreadable) return error(0x08, unreadable, AttError.READ_NOT_PERMITTED);
    return error(0x08, start, AttError.ATTRIBUTE_NOT_FOUND);
  }

  private readByGroupType(start: number, end: number, type: Uint8Array, size: number): AttPdu {
    if (start > end || start === 0) return error(0x10, start, AttError.INVALID_HANDLE);
    if (!match16(type, GATT_PRIMARY_SERVICE) && !match16(type, GATT_SECONDARY_SERVICE)) {
      return error(0x10, start, AttError.UNSUPPORTED_GROUP_TYPE);
    }
    const entries: { start: number; end: number; value: Uint8Array }[] = [];
    let open: Attribute | null = null;
    let valueLength = -1;
    let prev = 0;
    for (const a of [...this.db.attributes, null]) {
      const h = a?.handle ?? 0;
      if (h !== 0 && h < start) continue;
      if (h > end) break;
      if (open && (!a || isService(a))) {
        entries.push({ start: open.handle, end: prev, value: open.value });
        open = null;
        if (2 + entries.length * (4 + valueLength) + 4 + valueLength > size) break;
      }
      prev = h;
      if (a && typeMatches(a.type, type)) {
        if (valueLength >= 0 && a.value.length !== valueLength) break;
        valueLength = a.value.length;
        open = a;
      }
    }
    return entries.length > 0 ? { op: 'read-by-group-rsp', entries } : error(0x10, start, AttError.ATTRIBUTE_NOT_FOUND);
  }

  /** handle_read_request2() and handle_read_blob_request2(). */
  private read(conn: ServerConnection, request: number, handle: number, offset: number | null, size: number): AttPdu {
    const a = this.db.find(handle);
    if (!a) return error(request, handle, AttError.INVALID_HANDLE);
    if (!(a.flags & ATT_PROPERTY_READ)) return error(request, handle, AttError.READ_NOT_PERMITTED);
    const sec = securityError(a.readSecurity);
    if (sec) return error(request, handle, sec);
    const length = this.valueLength(conn, a);
    // A Read copies up to ATT_MTU - 1 whatever the length query said.
    if (offset === null) return { op: 'read-rsp', value: this.copyValue(a, 0, size - 1) };
    // A Read Blob trusts the length query: past it is Invalid Offset, at it an empty value.
    if (offset > length) return error(request, handle, AttError.INVALID_OFFSET);
    return { op: 'read-blob-rsp', value: offset < length ? this.copyValue(a, offset, size - 1) : new Uint8Array(0) };
  }

  /** handle_read_multiple_request2(): each value copied whole into what is left of the PDU. */
  private readMultiple(conn: ServerConnection, handles: number[], size: number): AttPdu {
    const out: Uint8Array[] = [];
    let used = 1;
    for (const h of handles) {
      const a = h === 0 ? undefined : this.db.find(h);
      if (!a) return error(0x0e, h, AttError.INVALID_HANDLE);
      if (!(a.flags & ATT_PROPERTY_READ)) return error(0x0e, h, AttError.READ_NOT_PERMITTED);
      const sec = securityError(a.readSecurity);
      if (sec) return error(0x0e, h, sec);
      this.valueLength(conn, a);
      const part = this.copyValue(a, 0, size - used);
      out.push(part);
      used += part.length;
    }
    const values = new Uint8Array(used - 1);
    out.reduce((at, part) => (values.set(part, at), at + part.length), 0);
    return { op: 'read-multiple-rsp', values };
  }

  /** Write Request and Prepare Write Request. The binding ignores the offset: each part is stored as a whole write. */
  private write(conn: ServerConnection, p: Extract<AttPdu, { op: 'write-req' | 'prepare-write-req' }>, request: number): AttPdu {
    const a = this.db.find(p.handle);
    if (!a) return error(request, p.handle, AttError.INVALID_HANDLE);
    if (!(a.flags & ATT_PROPERTY_WRITE) || !(a.flags & ATT_PROPERTY_DYNAMIC)) return error(request, p.handle, AttError.WRITE_NOT_PERMITTED);
    const sec = securityError(a.writeSecurity);
    if (sec) return error(request, p.handle, sec);
    this.peerWrite(conn, a, p.value);
    return p.op === 'write-req' ? { op: 'write-rsp' } : { op: 'prepare-write-rsp', handle: p.handle, offset: p.offset, value: p.value };
  }
}

