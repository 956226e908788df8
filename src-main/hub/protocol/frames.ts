// PicoLink frames (docs/PROTOCOL.md section 3) and the link-frame bodies (section 4): a pure
// codec. Decoding never throws: an ATT value comes straight off the air, so a malformed one is a
// result the session counts, not an exception.

/** Flags octet, bit 7: first frame of a message. PROTOCOL.md 3. */
export const START = 0x80;
/** Flags octet, bit 6: last frame of a message. PROTOCOL.md 3. */
export const END = 0x40;
/** Flags octet, bits 5..0: counted-frame sequence number, modulo 64. PROTOCOL.md 3. */
export const SEQ = 0x3f;
export const SEQ_MODULO = 64;
/** Flags (1) + L (u16). PROTOCOL.md 3. */
export const HEADER = 3;
/** Largest attribute value. Core 5.4 Vol 3 Part F 3.2.9. */
export const MAX_VALUE = 512;
/** ATT header of a notification or Write Command (opcode + handle). Core 5.4 Vol 3 Part F 3.4.5.3, 3.4.7.1. */
export const ATT_VALUE_OVERHEAD = 3;
/** LE default ATT_MTU. Core 5.4 Vol 3 Part G 5.2.1. */
export const ATT_DEFAULT_MTU = 23;
/** The largest ATT_MTU a PicoLink central asks for (a 512-octet value plus the 3-octet ATT header + 2). */
export const ATT_MAX_MTU = 517;

/** Counted frames a sender may have unacknowledged. PROTOCOL.md 5. */
export const WINDOW = 16;
/** A receiver sends CREDIT after this many frames consumed. PROTOCOL.md 5. */
export const CREDIT_EVERY = 4;
/** CREDIT totals wrap here. PROTOCOL.md 4. */
export const CREDIT_MODULO = 0x10000;
/** The u32 a PONG appends to the PING's body. PROTOCOL.md 4. */
export const PONG_EXTRA = 4;

/** Message types. PROTOCOL.md 4. */
export const MessageType = {
  DATA: 0x00,
  TEXT: 0x01,
  PING: 0x10,
  PONG: 0x11,
  CREDIT: 0x12,
  INFO_REQ: 0x20,
  INFO: 0x21,
  THROUGHPUT_REQ: 0x22,
  THROUGHPUT_DATA: 0x23,
  THROUGHPUT_DONE: 0x24,
} as const;

const TYPE_NAMES = new Map<number, string>(Object.entries(MessageType).map(([k, v]) => [v, k]));

/** A type's PROTOCOL.md name, or its hex value when it has none. */
export function messageTypeName(type: number): string {
  return TYPE_NAMES.get(type) ?? `0x${type.toString(16).padStart(2, '0')}`;
}

/** Link frames carry these types (PROTOCOL.md 3); they are START|END, SEQ 0, and use no credit. */
export function isLinkType(type: number): boolean {
  return type >= 0x10 && type <= 0x1f;
}

/** Largest frame payload at an ATT_MTU: a frame fills one ATT value, which is at most 512 octets. */
export function framePayloadRoom(mtu: number): number {
  return Math.min(mtu - ATT_VALUE_OVERHEAD, MAX_VALUE) - HEADER;
}

export interface Frame {
  start: boolean;
  end: boolean;
  seq: number;
  /** A view into the decoded value: copy what outlives it. */
  payload: Uint8Array;
}

export type FrameErrorCode = 'truncated-header' | 'zero-length' | 'length-past-end';

export interface FrameError {
  code: FrameErrorCode;
  /** Offset of the faulty frame's flags octet in the value. */
  offset: number;
}

/**
 * The frames of one ATT value, and the fault that ended decoding early, if any. Frames before a
 * fault are valid and kept, as the firmware handles them before it reaches the fault; the rest
 * of the value after it cannot be framed and is dropped (PROTOCOL.md 6).
 */
export interface DecodedValue {
  frames: Frame[];
  error: FrameError | null;
}

export function encodeFrame(flags: number, seq: number, payload: Uint8Array): Uint8Array {
  if ((flags & ~(START | END)) !== 0) throw new RangeError(`frame flags 0x${flags.toString(16)} hold more than START and END`);
  if (!Number.isInteger(seq) || seq < 0 || seq > SEQ) throw new RangeError(`frame SEQ ${seq} is not in 0..${SEQ}`);
  if (payload.length < 1 || payload.length > MAX_VALUE - HEADER) {
    throw new RangeError(`frame payload of ${payload.length} octets is not in 1..${MAX_VALUE - HEADER}`);
  }
  const out = new Uint8Array(HEADER + payload.length);
  out[0] = flags | seq;
  out[1] = payload.length & 0xff;
  out[2] = payload.length >> 8;
  out.set(payload, HEADER);
  return out;
}

export function decodeValue(value: Uint8Array): DecodedValue {
  const frames: Frame[] = [];
  let i = 0;
  while (i < value.length) {
    if (value.length - i < HEADER) return { frames, error: { code: 'truncated-header', offset: i } };
    const flags = value[i]!;
    const length = value[i + 1]! | (value[i + 2]! << 8);
    if (length === 0) return { frames, error: { code: 'zero-length', offset: i } };
    if (length > value.length - i - HEADER) return { frames, error: { code: 'length-past-end', offset: i } };
    frames.push({
      start: (flags & START) !== 0,
      end: (flags & END) !== 0,
      seq: flags & SEQ,
      payload: value.subarray(i + HEADER, i + HEADER + length),
    });
    i += HEADER + length;
  }
  return { frames, error: null };
}

/** A START|END frame whose first payload octet is a link type (PROTOCOL.md 3). */
export function isLinkFrame(frame: Frame): boolean {
  return frame.start && frame.end && isLinkType(frame.payload[0]!);
}

/** A link frame (PROTOCOL.md 3): START|END, SEQ 0, the type, then the body. */
export function encodeLinkFrame(type: number, body: Uint8Array): Uint8Array {
  if (!isLinkType(type)) throw new RangeError(`${messageTypeName(type)} is not a link-frame type`);
  const payload = new Uint8Array(1 + body.length);
  payload[0] = type;
  payload.set(body, 1);
  return encodeFrame(START | END, 0, payload);
}

export function encodeCredit(consumedTotal: number): Uint8Array {
  const total = consumedTotal & 0xffff;
  return encodeLinkFrame(MessageType.CREDIT, new Uint8Array([total & 0xff, total >> 8]));
}

export function encodePing(body: Uint8Array): Uint8Array {
  return encodeLinkFrame(MessageType.PING, body);
}

export function encodePong(pingBody: Uint8Array, micros: number): Uint8Array {
  const body = new Uint8Array(pingBody.length + PONG_EXTRA);
  body.set(pingBody, 0);
  new DataView(body.buffer, body.byteOffset, body.byteLength).setUint32(pingBody.length, micros >>> 0, true);
  return encodeLinkFrame(MessageType.PONG, body);
}

/** A CREDIT payload (type octet included): the total, or null when its length is wrong. */
export function decodeCredit(payload: Uint8Array): number | null {
  if (payload.length !== 3) return null;
  return payload[1]! | (payload[2]! << 8);
}

/** A PONG payload (type octet included): the PING's body and the peer's µs, or null when too short. */
export function decodePong(payload: Uint8Array): { body: Uint8Array; micros: number } | null {
  if (payload.length < 1 + PONG_EXTRA) return null;
  const micros = new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint32(payload.length - PONG_EXTRA, true);
  return { body: payload.slice(1, payload.length - PONG_EXTRA), micros };
}

/** Longest PING body whose PONG still fits one frame at this MTU (PROTOCOL.md 4: ATT_MTU - 11, and 501). */
export function maxPingBody(mtu: number): number {
  return framePayloadRoom(mtu) - 1 - PONG_EXTRA;
}

export function readU32(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset, true);
}

export function u32Bytes(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value >>> 0, true);
  return out;
}

/**
 * THROUGHPUT_REQ body: u32 octets to stream, then, only when `ahead` is given, u8 THROUGHPUT_DATA
 * frames the Pico may have unacknowledged at once (PROTOCOL.md 4).
 */
export function encodeThroughputRequest(octets: number, ahead?: number): Uint8Array {
  const n = u32Bytes(octets);
  if (ahead === undefined) return n;
  const out = new Uint8Array(5);
  out.set(n);
  out[4] = ahead;
  return out;
}
