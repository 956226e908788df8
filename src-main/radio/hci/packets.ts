// HCI packets as they cross an H4 transport: one indicator octet, then the packet.
// Core Vol 4 Part E 5.4 (packet formats) and Vol 4 Part A 2 (H4 indicators).
import { ByteReader, ByteWriter, DecodeError } from './bytes.ts';
import { HCI_ACLDATA_PKT, HCI_COMMAND_PKT, HCI_EVENT_PKT } from './constants.ts';

export interface HciCommand {
  readonly kind: 'command';
  readonly opcode: number;
  readonly params: Uint8Array;
}
export interface HciEvent {
  readonly kind: 'event';
  readonly code: number;
  readonly params: Uint8Array;
}
export interface HciAcl {
  readonly kind: 'acl';
  /** Connection_Handle, 12 bits. */
  readonly handle: number;
  /** Packet_Boundary_Flag, 2 bits. */
  readonly pb: number;
  /** Broadcast_Flag, 2 bits. */
  readonly bc: number;
  readonly data: Uint8Array;
}
export type HciPacket = HciCommand | HciEvent | HciAcl;

export function encodePacket(p: HciPacket): Uint8Array {
  const w = new ByteWriter(5 + (p.kind === 'acl' ? p.data.length : p.params.length));
  switch (p.kind) {
    case 'command':
      if (p.params.length > 255) throw new RangeError('command parameters exceed 255 octets');
      return w.u8(HCI_COMMAND_PKT).u16(p.opcode).u8(p.params.length).bytes(p.params).finish();
    case 'event':
      if (p.params.length > 255) throw new RangeError('event parameters exceed 255 octets');
      return w.u8(HCI_EVENT_PKT).u8(p.code).u8(p.params.length).bytes(p.params).finish();
    case 'acl':
      if (p.data.length > 0xffff) throw new RangeError('ACL data exceeds 65535 octets');
      return w
        .u8(HCI_ACLDATA_PKT)
        .u16((p.handle & 0x0fff) | ((p.pb & 0x3) << 12) | ((p.bc & 0x3) << 14))
        .u16(p.data.length)
        .bytes(p.data)
        .finish();
  }
}

/** Decodes one complete H4 packet (indicator included). Throws DecodeError on malformed input. */
export function decodePacket(bytes: Uint8Array): HciPacket {
  const r = new ByteReader(bytes, 'h4');
  const indicator = r.u8();
  switch (indicator) {
    case HCI_COMMAND_PKT: {
      const opcode = r.u16();
      const len = r.u8();
      const params = r.bytesN(len);
      r.end();
      return { kind: 'command', opcode, params };
    }
    case HCI_EVENT_PKT: {
      const code = r.u8();
      const len = r.u8();
      const params = r.bytesN(len);
      r.end();
      return { kind: 'event', code, params };
    }
    case HCI_ACLDATA_PKT: {
      const hdr = r.u16();
      const len = r.u16();
      const data = r.bytesN(len);
      r.end();
      return { kind: 'acl', handle: hdr & 0x0fff, pb: (hdr >> 12) & 0x3, bc: (hdr >> 14) & 0x3, data };
    }
    default:
      throw new DecodeError('h4', 'bad-indicator', 0, `unknown packet indicator 0x${indicator.toString(16)}`);
  }
}
