// LE signaling commands and the one SMP PDU we send, on the LE fixed channels: Core 5.4 Vol 3
// Part A 4 (signaling), Vol 3 Part H 3.5.5 (Pairing Failed). Pure. The B-frame header they ride
// in is hci/l2cap-frame.ts.
import { ByteReader, ByteWriter } from '../hci/bytes.ts';

// Fixed channel identifiers on LE. Vol 3 Part A 2.1, Table 2.3.
export const L2CAP_CID_ATT = 0x0004;
export const L2CAP_CID_LE_SIGNALING = 0x0005;
export const L2CAP_CID_SMP = 0x0006;

// LE signaling command codes. Vol 3 Part A 4, Table 4.2.
export const L2CAP_COMMAND_REJECT = 0x01;
export const L2CAP_DISCONNECTION_REQUEST = 0x06;
export const L2CAP_CONNECTION_PARAMETER_UPDATE_REQUEST = 0x12;
export const L2CAP_CONNECTION_PARAMETER_UPDATE_RESPONSE = 0x13;
export const L2CAP_LE_CREDIT_BASED_CONNECTION_REQUEST = 0x14;
export const L2CAP_LE_CREDIT_BASED_CONNECTION_RESPONSE = 0x15;

// Command Reject reasons. Vol 3 Part A 4.1, Table 4.3.
export const REJECT_COMMAND_NOT_UNDERSTOOD = 0x0000;
export const REJECT_INVALID_CID = 0x0002;

/** LE Credit Based Connection Response result "LE_PSM not supported". Vol 3 Part A 4.23, Table 4.20. */
export const LE_CREDIT_RESULT_PSM_NOT_SUPPORTED = 0x0002;

// SMP. Vol 3 Part H 3.3 (codes) and 3.5.5 (Pairing Failed reasons).
export const SMP_PAIRING_REQUEST = 0x01;
export const SMP_PAIRING_FAILED = 0x05;
export const SMP_SECURITY_REQUEST = 0x0b;
export const SMP_REASON_PAIRING_NOT_SUPPORTED = 0x05;
export const SMP_REASON_COMMAND_NOT_SUPPORTED = 0x07;

export interface SignalingCommand {
  code: number;
  identifier: number;
  data: Uint8Array;
}

/** One command per C-frame on the LE signaling channel. Vol 3 Part A 4. */
export function decodeSignaling(payload: Uint8Array): SignalingCommand {
  const r = new ByteReader(payload, 'l2cap-signaling');
  const code = r.u8();
  const identifier = r.u8();
  const length = r.u16();
  const data = r.bytesN(length);
  r.end();
  return { code, identifier, data };
}

export function encodeSignaling(c: SignalingCommand): Uint8Array {
  return new ByteWriter(4 + c.data.length).u8(c.code).u8(c.identifier).u16(c.data.length).bytes(c.data).finish();
}

export interface ConnectionParameterUpdate {
  /** In 1.25 ms units. */
  intervalMin: number;
  intervalMax: number;
  latency: number;
  /** In 10 ms units. */
  timeout: number;
}

/** Vol 3 Part A 4.20. */
export function decodeConnectionParameterUpdateRequest(data: Uint8Array): ConnectionParameterUpdate {
  const r = new ByteReader(data, 'l2cap-signaling');
  const v = { intervalMin: r.u16(), intervalMax: r.u16(), latency: r.u16(), timeout: r.u16() };
  r.end();
  return v;
}

export function encodeConnectionParameterUpdateRequest(p: ConnectionParameterUpdate): Uint8Array {
  return new ByteWriter(8).u16(p.intervalMin).u16(p.intervalMax).u16(p.latency).u16(p.timeout).finish();
}

/** Vol 3 Part A 4.21: Result 0x0000 accepted, 0x0001 rejected. */
export const encodeConnectionParameterUpdateResponse = (result: number): Uint8Array => new ByteWriter(2).u16(result).finish();

/** Vol 3 Part A 4.1: Reason, then reason data (the two CIDs for Invalid CID). */
export const encodeCommandReject = (reason: number, data: Uint8Array = new Uint8Array(0)): Uint8Array =>
  new ByteWriter(2 + data.length).u16(reason).bytes(data).finish();

/** Vol 3 Part A 4.23: DCID, MTU, MPS, Initial Credits, Result. A refusal carries zeros. */
export const encodeLeCreditBasedConnectionResponse = (result: number): Uint8Array =>
  new ByteWriter(10).u16(0).u16(0).u16(0).u16(0).u16(result).finish();

/** Vol 3 Part H 3.5.5. */
export const encodePairingFailed = (reason: number): Uint8Array => Uint8Array.from([SMP_PAIRING_FAILED, reason]);
