// HCI packets as they cross an H4 transport: one indicator octet (Core 5.4 Vol 4 Part A 2), then
// the packet with its header (Vol 4 Part E 5.4). Parameters and data stay octets here; the
// command and event definitions decode them.
import { ByteReader, ByteWriter } from './bytes.ts';
import { HCI_ACLDATA_PKT, HCI_COMMAND_PKT, HCI_EVENT_PKT } from './constants.ts';
import { bits16, sized, u16, u8 } from './fields.ts';
import { readStruct, writeStruct } from './struct.ts';

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

/** HCI Command packet, 5.4.1: Opcode, Parameter_Total_Length, parameters. */
const COMMAND_PACKET = { opcode: u16, params: sized(1) };
/** HCI ACL Data packet, 5.4.2: Handle 12 bits, PB_Flag 2, BC_Flag 2, Data_Total_Length, data. */
const ACL_PACKET = { header: bits16({ handle: 12, pb: 2, bc: 2 }), data: sized(2) };
/** HCI Event packet, 5.4.4: Event_Code, Parameter_Total_Length, parameters. */
const EVENT_PACKET = { code: u8, params: sized(1) };

export function encodePacket(p: HciPacket): Uint8Array {
  const w = new ByteWriter(5 + (p.kind === 'acl' ? p.data.length : p.params.length));
  switch (p.kind) {
    case 'command':
      w.u8(HCI_COMMAND_PKT);
      writeStruct(COMMAND_PACKET, w, p);
      break;
    case 'event':
      w.u8(HCI_EVENT_PKT);
      writeStruct(EVENT_PACKET, w, p);
      break;
    case 'acl':
      w.u8(HCI_ACLDATA_PKT);
      writeStruct(ACL_PACKET, w, { header: p, data: p.data });
      break;
  }
  return w.finish();
}

/** Decodes one complete H4 packet (indicator included). Throws DecodeError on malformed input. */
export function decodePacket(bytes: Uint8Array): HciPacket {
  const r = new ByteReader(bytes, 'h4');
  const indicator = r.u8();
  let packet: HciPacket;
  switch (indicator) {
    case HCI_COMMAND_PKT:
      packet = { kind: 'command', ...readStruct(COMMAND_PACKET, r) };
      break;
    case HCI_EVENT_PKT:
      packet = { kind: 'event', ...readStruct(EVENT_PACKET, r) };
      break;
    case HCI_ACLDATA_PKT: {
      const { header, data } = readStruct(ACL_PACKET, r);
      packet = { kind: 'acl', ...header, data };
      break;
    }
    default:
      return r.fail('bad-indicator', 0, `unknown packet indicator 0x${indicator.toString(16)}`);
  }
  r.end();
  return packet;
}
