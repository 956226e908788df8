// The L2CAP basic header that ACL data carries: a B-frame (Core 5.4 Vol 3 Part A 3.1). What is
// inside the payload (ATT, signaling, SMP) belongs to the host.
import { ByteReader, ByteWriter } from './bytes.ts';
import { u16 } from './fields.ts';
import { readStruct, writeStruct } from './struct.ts';

/** Basic L2CAP header, Vol 3 Part A 3.1: PDU Length (of the payload), Channel ID. */
export const L2CAP_HEADER = { length: u16, cid: u16 };
export const L2CAP_HEADER_SIZE = 4;

export interface L2capFrame {
  cid: number;
  payload: Uint8Array;
}

export function encodeL2cap(f: L2capFrame): Uint8Array {
  const w = new ByteWriter(L2CAP_HEADER_SIZE + f.payload.length);
  writeStruct(L2CAP_HEADER, w, { length: f.payload.length, cid: f.cid });
  return w.bytes(f.payload).finish();
}

/** A complete B-frame: the header's Length must match the payload exactly. */
export function decodeL2cap(bytes: Uint8Array): L2capFrame {
  const r = new ByteReader(bytes, 'l2cap');
  const { length, cid } = readStruct(L2CAP_HEADER, r);
  if (r.remaining !== length) r.fail('bad-length', 0, `Length ${length} but ${r.remaining} payload octets`);
  return { cid, payload: r.rest() };
}

/** The PDU Length of a B-frame's start, once its first two octets are in; null before. */
export function l2capPduLength(start: Uint8Array): number | null {
  return start.length < 2 ? null : new ByteReader(start, 'l2cap').u16();
}
