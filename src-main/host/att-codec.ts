// ATT PDUs, Core 5.4 Vol 3 Part F 3.4: one tagged type, a pure encoder and a pure decoder.
// Request length rules are the ones BTstack's att_db.c applies (a wrong length is Invalid PDU);
// the decoder throws DecodeError (layer 'att') with the offset of the fault.
import { ByteReader, ByteWriter, DecodeError } from '../hci/bytes.ts';

// Opcodes. Vol 3 Part F 3.4.8, Table 3.37.
export const ATT_ERROR_RSP = 0x01;
export const ATT_EXCHANGE_MTU_REQ = 0x02;
export const ATT_EXCHANGE_MTU_RSP = 0x03;
export const ATT_FIND_INFORMATION_REQ = 0x04;
export const ATT_FIND_INFORMATION_RSP = 0x05;
export const ATT_FIND_BY_TYPE_VALUE_REQ = 0x06;
export const ATT_FIND_BY_TYPE_VALUE_RSP = 0x07;
export const ATT_READ_BY_TYPE_REQ = 0x08;
export const ATT_READ_BY_TYPE_RSP = 0x09;
export const ATT_READ_REQ = 0x0a;
export const ATT_READ_RSP = 0x0b;
export const ATT_READ_BLOB_REQ = 0x0c;
export const ATT_READ_BLOB_RSP = 0x0d;
export const ATT_READ_MULTIPLE_REQ = 0x0e;
export const ATT_READ_MULTIPLE_RSP = 0x0f;
export const ATT_READ_BY_GROUP_TYPE_REQ = 0x10;
export const ATT_READ_BY_GROUP_TYPE_RSP = 0x11;
export const ATT_WRITE_REQ = 0x12;
export const ATT_WRITE_RSP = 0x13;
export const ATT_PREPARE_WRITE_REQ = 0x16;
export const ATT_PREPARE_WRITE_RSP = 0x17;
export const ATT_EXECUTE_WRITE_REQ = 0x18;
export const ATT_EXECUTE_WRITE_RSP = 0x19;
export const ATT_HANDLE_VALUE_NTF = 0x1b;
export const ATT_HANDLE_VALUE_IND = 0x1d;
export const ATT_HANDLE_VALUE_CFM = 0x1e;
export const ATT_WRITE_CMD = 0x52;

/** Error codes. Vol 3 Part F 3.4.1.1, Table 3.4; plus BTstack's own (bluetooth.h) used in *_DONE statuses. */
export const AttError = {
  INVALID_HANDLE: 0x01,
  READ_NOT_PERMITTED: 0x02,
  WRITE_NOT_PERMITTED: 0x03,
  INVALID_PDU: 0x04,
  INSUFFICIENT_AUTHENTICATION: 0x05,
  REQUEST_NOT_SUPPORTED: 0x06,
  INVALID_OFFSET: 0x07,
  INSUFFICIENT_AUTHORIZATION: 0x08,
  ATTRIBUTE_NOT_FOUND: 0x0a,
  INVALID_ATTRIBUTE_VALUE_LENGTH: 0x0d,
  INSUFFICIENT_ENCRYPTION: 0x0f,
  UNSUPPORTED_GROUP_TYPE: 0x10,
  /** BTstack: ATT_ERROR_HCI_DISCONNECT_RECEIVED, a query ended by a disconnection. */
  HCI_DISCONNECT_RECEIVED: 0x1f,
  /** BTstack: ATT_ERROR_TIMEOUT, no response within 30 s (Vol 3 Part F 3.3.3). */
  TIMEOUT: 0x7f,
} as const;

/** LE default ATT_MTU. Vol 3 Part G 5.2.1. */
export const ATT_DEFAULT_MTU = 23;

export type AttPdu =
  | { op: 'error-rsp'; request: number; handle: number; code: number }
  | { op: 'mtu-req'; mtu: number }
  | { op: 'mtu-rsp'; mtu: number }
  | { op: 'find-info-req'; start: number; end: number }
  | { op: 'find-info-rsp'; entries: { handle: number; type: Uint8Array }[] }
  | { op: 'find-by-type-req'; start: number; end: number; type: number; value: Uint8Array }
  | { op: 'find-by-type-rsp'; ranges: { start: number; end: number }[] }
  | { op: 'read-by-type-req'; start: number; end: number; type: Uint8Array }
  | { op: 'read-by-type-rsp'; entries: { handle: number; value: Uint8Array }[] }
  | { op: 'read-req'; handle: number }
  | { op: 'read-rsp'; value: Uint8Array }
  | { op: 'read-blob-req'; handle: number; offset: number }
  | { op: 'read-blob-rsp'; value: Uint8Array }
  | { op: 'read-multiple-req'; handles: number[] }
  | { op: 'read-multiple-rsp'; values: Uint8Array }
  | { op: 'read-by-group-req'; start: number; end: number; type: Uint8Array }
  | { op: 'read-by-group-rsp'; entries: { start: number; end: number; value: Uint8Array }[] }
  | { op: 'write-req'; handle: number; value: Uint8Array }
  | { op: 'write-rsp' }
  | { op: 'write-cmd'; handle: number; value: Uint8Array }
  | { op: 'prepare-write-req'; handle: number; offset: number; value: Uint8Array }
  | { op: 'prepare-write-rsp'; handle: number; offset: number; value: Uint8Array }
  | { op: 'execute-write-req'; flags: number }
  | { op: 'execute-write-rsp' }
  | { op: 'notify'; handle: number; value: Uint8Array }
  | { op: 'indicate'; handle: number; value: Uint8Array }
  | { op: 'confirm' }
  | { op: 'unknown'; opcode: number; params: Uint8Array };

const OPCODE: Record<Exclude<AttPdu['op'], 'unknown'>, number> = {
  'error-rsp': ATT_ERROR_RSP,
  'mtu-req': ATT_EXCHANGE_MTU_REQ,
  'mtu-rsp': ATT_EXCHANGE_MTU_RSP,
  'find-info-req': ATT_FIND_INFORMATION_REQ,
  'find-info-rsp': ATT_FIND_INFORMATION_RSP,
  'find-by-type-req': ATT_FIND_BY_TYPE_VALUE_REQ,
  'find-by-type-rsp': ATT_FIND_BY_TYPE_VALUE_RSP,
  'read-by-type-req': ATT_READ_BY_TYPE_REQ,
  'read-by-type-rsp': ATT_READ_BY_TYPE_RSP,
  'read-req': ATT_READ_REQ,
  'read-rsp': ATT_READ_RSP,
  'read-blob-req': ATT_READ_BLOB_REQ,
  'read-blob-rsp': ATT_READ_BLOB_RSP,
  'read-multiple-req': ATT_READ_MULTIPLE_REQ,
  'read-multiple-rsp': ATT_READ_MULTIPLE_RSP,
  'read-by-group-req': ATT_READ_BY_GROUP_TYPE_REQ,
  'read-by-group-rsp': ATT_READ_BY_GROUP_TYPE_RSP,
  'write-req': ATT_WRITE_REQ,
  'write-rsp': ATT_WRITE_RSP,
  'write-cmd': ATT_WRITE_CMD,
  'prepare-write-req': ATT_PREPARE_WRITE_REQ,
  'prepare-write-rsp': ATT_PREPARE_WRITE_RSP,
  'execute-write-req': ATT_EXECUTE_WRITE_REQ,
  'execute-write-rsp': ATT_EXECUTE_WRITE_RSP,
  notify: ATT_HANDLE_VALUE_NTF,
  indicate: ATT_HANDLE_VALUE_IND,
  confirm: ATT_HANDLE_VALUE_CFM,
};

function sameLength<T>(items: T[], len: (t: T) => number, what: string): number {
  const first = items[0];
  if (first === undefined) throw new RangeError(`${what}: at least one entry`);
  const n = len(first);
  if (items.some((i) => len(i) !== n)) throw new RangeError(`${what}: entries must have the same length`);
  return n;
}

export function encodeAtt(p: AttPdu): Uint8Array {
  const w = new ByteWriter(32).u8(p.op === 'unknown' ? p.opcode : OPCODE[p.op]);
  switch (p.op) {
    case 'error-rsp': // 3.4.1.1
      return w.u8(p.request).u16(p.handle).u8(p.code).finish();
    case 'mtu-req': // 3.4.2.1
    case 'mtu-rsp': // 3.4.2.2
      return w.u16(p.mtu).finish();
    case 'find-info-req': // 3.4.3.1
    case 'read-by-type-req': // 3.4.4.1
    case 'read-by-group-req': // 3.4.4.9
      w.u16(p.start).u16(p.end);
      return (p.op === 'find-info-req' ? w : w.bytes(p.type)).finish();
    case 'find-info-rsp': { // 3.4.3.2: Format 1 = 16-bit UUIDs, 2 = 128-bit
      const n = sameLength(p.entries, (e) => e.type.length, 'find information response');
      w.u8(n === 2 ? 1 : 2);
      for (const e of p.entries) w.u16(e.handle).bytes(e.type);
      return w.finish();
    }
    case 'find-by-type-req': // 3.4.3.3
      return w.u16(p.start).u16(p.end).u16(p.type).bytes(p.value).finish();
    case 'find-by-type-rsp': // 3.4.3.4
      for (const r of p.ranges) w.u16(r.start).u16(r.end);
      return w.finish();
    case 'read-by-type-rsp': { // 3.4.4.2
      w.u8(2 + sameLength(p.entries, (e) => e.value.length, 'read by type response'));
      for (const e of p.entries) w.u16(e.handle).bytes(e.value);
      return w.finish();
    }
    case 'read-req': // 3.4.4.3
      return w.u16(p.handle).finish();
    case 'read-rsp': // 3.4.4.4
    case 'read-blob-rsp': // 3.4.4.6
      return w.bytes(p.value).finish();
    case 'read-blob-req': // 3.4.4.5
      return w.u16(p.handle).u16(p.offset).finish();
    case 'read-multiple-req': // 3.4.4.7
      for (const h of p.handles) w.u16(h);
      return w.finish();
    case 'read-multiple-rsp': // 3.4.4.8
      return w.bytes(p.values).finish();
    case 'read-by-group-rsp': { // 3.4.4.10
      w.u8(4 + sameLength(p.entries, (e) => e.value.length, 'read by group type response'));
      for (const e of p.entries) w.u16(e.start).u16(e.end).bytes(e.value);
      return w.finish();
    }
    case 'write-req': // 3.4.5.1
    case 'write-cmd': // 3.4.5.3
    case 'notify': // 3.4.7.1
    case 'indicate': // 3.4.7.2
      return w.u16(p.handle).bytes(p.value).finish();
    case 'prepare-write-req': // 3.4.6.1
    case 'prepare-write-rsp': // 3.4.6.2
      return w.u16(p.handle).u16(p.offset).bytes(p.value).finish();
    case 'execute-write-req': // 3.4.6.3
      return w.u8(p.flags).finish();
    case 'write-rsp': // 3.4.5.2
    case 'execute-write-rsp': // 3.4.6.4
    case 'confirm': // 3.4.7.3
      return w.finish();
    case 'unknown':
      return w.bytes(p.params).finish();
  }
}

const fail = (code: string, offset: number, message: string): never => {
  throw new DecodeError('att', code, offset, message);
};

/** Reads `count` fixed-size entries filling the rest of the PDU exactly. */
function entries<T>(r: ByteReader, size: number, read: (r: ByteReader) => T): T[] {
  if (size <= 0 || r.remaining === 0 || r.remaining % size !== 0) fail('bad-list', r.offset, `list of ${size}-octet entries has ${r.remaining} octets`);
  const out: T[] = [];
  while (r.remaining > 0) out.push(read(r));
  return out;
}

/** Decodes one ATT PDU (opcode first). Unknown opcodes decode as 'unknown'; malformed known ones throw. */
export function decodeAtt(bytes: Uint8Array): AttPdu {
  const r = new ByteReader(bytes, 'att');
  const opcode = r.u8();
  const n = bytes.length;
  const exact = (len: number): void => void (n !== len && fail('bad-length', 0, `opcode 0x${opcode.toString(16)} needs ${len} octets, has ${n}`));
  const atLeast = (len: number): void => void (n < len && fail('truncated', n, `opcode 0x${opcode.toString(16)} needs at least ${len} octets`));
  switch (opcode) {
    case ATT_ERROR_RSP:
      exact(5);
      return { op: 'error-rsp', request: r.u8(), handle: r.u16(), code: r.u8() };
    case ATT_EXCHANGE_MTU_REQ:
    case ATT_EXCHANGE_MTU_RSP:
      exact(3);
      return { op: opcode === ATT_EXCHANGE_MTU_REQ ? 'mtu-req' : 'mtu-rsp', mtu: r.u16() };
    case ATT_FIND_INFORMATION_REQ:
      exact(5);
      return { op: 'find-info-req', start: r.u16(), end: r.u16() };
    case ATT_FIND_INFORMATION_RSP: {
      const format = r.u8();
      if (format !== 1 && format !== 2) fail('bad-format', 1, `Format ${format}`);
      const size = format === 1 ? 2 : 16;
      return { op: 'find-info-rsp', entries: entries(r, 2 + size, (e) => ({ handle: e.u16(), type: e.bytesN(size) })) };
    }
    case ATT_FIND_BY_TYPE_VALUE_REQ:
      atLeast(7);
      return { op: 'find-by-type-req', start: r.u16(), end: r.u16(), type: r.u16(), value: r.rest() };
    case ATT_FIND_BY_TYPE_VALUE_RSP:
      return { op: 'find-by-type-rsp', ranges: entries(r, 4, (e) => ({ start: e.u16(), end: e.u16() })) };
    case ATT_READ_BY_TYPE_REQ:
    case ATT_READ_BY_GROUP_TYPE_REQ:
      if (n !== 7 && n !== 21) fail('bad-length', 0, `opcode 0x${opcode.toString(16)} needs 7 or 21 octets, has ${n}`);
      return { op: opcode === ATT_READ_BY_TYPE_REQ ? 'read-by-type-req' : 'read-by-group-req', start: r.u16(), end: r.u16(), type: r.rest() };
    case ATT_READ_BY_TYPE_RSP: {
      const len = r.u8();
      if (len < 2) fail('bad-length', 1, `Length ${len}`);
      return { op: 'read-by-type-rsp', entries: entries(r, len, (e) => ({ handle: e.u16(), value: e.bytesN(len - 2) })) };
    }
    case ATT_READ_REQ:
      exact(3);
      return { op: 'read-req', handle: r.u16() };
    case ATT_READ_RSP:
      return { op: 'read-rsp', value: r.rest() };
    case ATT_READ_BLOB_REQ:
      exact(5);
      return { op: 'read-blob-req', handle: r.u16(), offset: r.u16() };
    case ATT_READ_BLOB_RSP:
      return { op: 'read-blob-rsp', value: r.rest() };
    case ATT_READ_MULTIPLE_REQ:
      // Two or more handles. BTstack: "(request_len < 5) || ((request_len & 1) == 0)" is Invalid PDU.
      if (n < 5 || (n & 1) === 0) fail('bad-length', 0, `read multiple request of ${n} octets`);
      return { op: 'read-multiple-req', handles: entries(r, 2, (e) => e.u16()) };
    case ATT_READ_MULTIPLE_RSP:
      return { op: 'read-multiple-rsp', values: r.rest() };
    case ATT_READ_BY_GROUP_TYPE_RSP: {
      const len = r.u8();
      if (len < 4) fail('bad-length', 1, `Length ${len}`);
      return { op: 'read-by-group-rsp', entries: entries(r, len, (e) => ({ start: e.u16(), end: e.u16(), value: e.bytesN(len - 4) })) };
    }
    case ATT_WRITE_REQ:
    case ATT_WRITE_CMD:
    case ATT_HANDLE_VALUE_NTF:
    case ATT_HANDLE_VALUE_IND: {
      atLeast(3);
      const op = opcode === ATT_WRITE_REQ ? 'write-req' : opcode === ATT_WRITE_CMD ? 'write-cmd' : opcode === ATT_HANDLE_VALUE_NTF ? 'notify' : 'indicate';
      return { op, handle: r.u16(), value: r.rest() };
    }
    case ATT_WRITE_RSP:
      exact(1);
      return { op: 'write-rsp' };
    case ATT_PREPARE_WRITE_REQ:
    case ATT_PREPARE_WRITE_RSP:
      atLeast(5);
      return { op: opcode === ATT_PREPARE_WRITE_REQ ? 'prepare-write-req' : 'prepare-write-rsp', handle: r.u16(), offset: r.u16(), value: r.rest() };
    case ATT_EXECUTE_WRITE_REQ:
      atLeast(2); // BTstack ignores octets after Flags
      return { op: 'execute-write-req', flags: r.u8() };
    case ATT_EXECUTE_WRITE_RSP:
      exact(1);
      return { op: 'execute-write-rsp' };
    case ATT_HANDLE_VALUE_CFM:
      return { op: 'confirm' };
    default:
      return { op: 'unknown', opcode, params: r.rest() };
  }
}

/** Requests and commands go to the server, responses, notifications and indications to the client. Vol 3 Part F 3.3. */
export function isServerBound(opcode: number): boolean {
  // BTstack att_dispatch.c: "odd PDUs are sent from server to client - even PDUs are sent from client to server".
  return (opcode & 1) === 0;
}
