// A scripted GATT server for hub tests: a raw LE peer on the virtual radio (test/host/raw-peer.ts)
// answering ATT by hand from a table of attributes, independent of our own host stack, so a test
// decides every octet. In particular it decides how the Client Characteristic Configuration
// descriptor answers Read By Type, the request noble's own subscribe sends and MicroPython's
// BTstack answers with a value of zero octets. Every ATT PDU both ways is recorded as hex.
import { PICO_W_CONTROLLER } from '../../src-main/radio/controller/options.ts';
import { ByteReader, toHex } from '../../src-main/hci/bytes.ts';
import { LeSetAdvertisingEnable } from '../../src-main/hci/commands/le-advertising.ts';
import { asEvent } from '../../src-main/hci/event.ts';
import { DisconnectionComplete } from '../../src-main/hci/events.ts';
import { LeConnectionComplete } from '../../src-main/hci/le-events.ts';
import type { Radio } from '../../src-main/radio/radio.ts';
import { MessageType, decodeValue, encodePong, isLinkFrame } from '../../src-main/hub/protocol/frames.ts';
import { RawPeer } from '../host/raw-peer.ts';

/** The ATT fixed channel (Core 5.4 Vol 3 Part A 2.1). */
const L2CAP_CID_ATT = 0x0004;

// ATT opcodes, Core 5.4 Vol 3 Part F 3.4.
export const ATT_ERROR_RSP = 0x01; // 3.4.1.1
const ATT_EXCHANGE_MTU_REQ = 0x02; // 3.4.2.1
const ATT_EXCHANGE_MTU_RSP = 0x03; // 3.4.2.2
export const ATT_FIND_INFORMATION_REQ = 0x04; // 3.4.3.1
const ATT_FIND_INFORMATION_RSP = 0x05; // 3.4.3.2
export const ATT_READ_BY_TYPE_REQ = 0x08; // 3.4.4.1
const ATT_READ_BY_TYPE_RSP = 0x09; // 3.4.4.2
export const ATT_READ_REQ = 0x0a; // 3.4.4.3
const ATT_READ_RSP = 0x0b; // 3.4.4.4
const ATT_READ_BLOB_REQ = 0x0c; // 3.4.4.5
const ATT_READ_BLOB_RSP = 0x0d; // 3.4.4.6
const ATT_READ_BY_GROUP_TYPE_REQ = 0x10; // 3.4.4.9
const ATT_READ_BY_GROUP_TYPE_RSP = 0x11; // 3.4.4.10
export const ATT_WRITE_REQ = 0x12; // 3.4.5.1
export const ATT_WRITE_RSP = 0x13; // 3.4.5.2
const ATT_WRITE_CMD = 0x52; // 3.4.5.3
export const ATT_HANDLE_VALUE_NTF = 0x1b; // 3.4.7.1
export const ATT_HANDLE_VALUE_IND = 0x1d; // 3.4.7.2
const ATT_HANDLE_VALUE_CFM = 0x1e; // 3.4.7.3
/** Bit 6 of an opcode: a command, never answered (3.3.1). */
const ATT_COMMAND_FLAG = 0x40;

// ATT error codes, Core 5.4 Vol 3 Part F 3.4.1.1 Table 3.4.
const ATT_INVALID_HANDLE = 0x01;
export const ATT_READ_NOT_PERMITTED = 0x02;
export const ATT_WRITE_NOT_PERMITTED = 0x03;
const ATT_REQUEST_NOT_SUPPORTED = 0x06;
export const ATT_ATTRIBUTE_NOT_FOUND = 0x0a;
const ATT_UNSUPPORTED_GROUP_TYPE = 0x10;

// GATT attribute types, Core 5.4 Vol 3 Part G 3.1, 3.3.1, 3.3.3.3.
const GATT_PRIMARY_SERVICE = 0x2800;
const GATT_CHARACTERISTIC = 0x2803;
const GATT_CLIENT_CHARACTERISTIC_CONFIGURATION = 0x2902;

// Characteristic properties, Core 5.4 Vol 3 Part G 3.3.1.1 Table 3.5.
const PROP_READ = 0x02;
const PROP_WRITE_WITHOUT_RESPONSE = 0x04;
const PROP_WRITE = 0x08;
const PROP_NOTIFY = 0x10;
const PROP_INDICATE = 0x20;

/** The peer's ATT_MTU offer (the hub's noble asks for 256). */
const SERVER_MTU = 247;

export type PeerProfile = 'picolink' | 'tutorial' | 'nus' | 'nus-indicate';

/** How the CCCD answers a Read By Type for 0x2902: a value of N octets (BTstack: 0), or an ATT error code. */
export type CccdByType = { octets: 0 | 1 | 2 | 3 } | { error: number };

export interface ScriptedPeerOptions {
  profile: PeerProfile;
  /** Whether the notifying characteristic has a CCCD at all. */
  cccd: boolean;
  cccdByType: CccdByType;
  /** Answer the CCCD Write Request with a Write Response (undefined) or this ATT error code. */
  cccdWriteError?: number;
}

interface Attribute {
  handle: number;
  type: number;
  value: Uint8Array;
}

export interface Layout {
  attributes: Attribute[];
  /** Value handle of the characteristic the hub subscribes to and receives on. */
  tx: number;
  /** Value handle the hub writes. */
  rx: number;
  txProperties: number;
  cccd: number | null;
  serviceUuid: string;
}

const u16 = (v: number): number[] => [v & 0xff, v >> 8];
/** A UUID as noble spells it ('2a6e' or 32 hex digits) in ATT's little-endian order. */
const uuidLe = (uuid: string): Uint8Array => Uint8Array.from(Buffer.from(uuid, 'hex').reverse());

const PROFILES: Record<PeerProfile, { service: string; chars: { uuid: string; properties: number; role: 'rx' | 'tx' | 'both' | 'version' }[] }> = {
  picolink: {
    service: '5049434f4c494e4b0001000000000001',
    chars: [
      { uuid: '5049434f4c494e4b0001000000000002', properties: PROP_WRITE | PROP_WRITE_WITHOUT_RESPONSE, role: 'rx' },
      { uuid: '5049434f4c494e4b0001000000000003', properties: PROP_NOTIFY, role: 'tx' },
      { uuid: '5049434f4c494e4b0001000000000004', properties: PROP_READ, role: 'version' },
    ],
  },
  tutorial: { service: '1848', chars: [{ uuid: '2a6e', properties: PROP_READ | PROP_WRITE | PROP_WRITE_WITHOUT_RESPONSE | PROP_NOTIFY, role: 'both' }] },
  nus: {
    service: '6e400001b5a3f393e0a9e50e24dcca9e',
    chars: [
      { uuid: '6e400002b5a3f393e0a9e50e24dcca9e', properties: PROP_WRITE | PROP_WRITE_WITHOUT_RESPONSE, role: 'rx' },
      { uuid: '6e400003b5a3f393e0a9e50e24dcca9e', properties: PROP_NOTIFY, role: 'tx' },
    ],
  },
  'nus-indicate': {
    service: '6e400001b5a3f393e0a9e50e24dcca9e',
    chars: [
      { uuid: '6e400002b5a3f393e0a9e50e24dcca9e', properties: PROP_WRITE | PROP_WRITE_WITHOUT_RESPONSE, role: 'rx' },
      { uuid: '6e400003b5a3f393e0a9e50e24dcca9e', properties: PROP_INDICATE, role: 'tx' },
    ],
  },
};

/** The attribute table: one primary service from handle 1, each characteristic's declaration, value, and CCCD after the notifying one. */
export function layoutOf(profile: PeerProfile, withCccd: boolean): Layout {
  const p = PROFILES[profile];
  const attributes: Attribute[] = [{ handle: 1, type: GATT_PRIMARY_SERVICE, value: uuidLe(p.service) }];
  let h = 2;
  let tx = 0;
  let rx = 0;
  let txProperties = 0;
  let cccd: number | null = null;
  for (const c of p.chars) {
    const value = h + 1;
    attributes.push({ handle: h, type: GATT_CHARACTERISTIC, value: Uint8Array.from([c.properties, ...u16(value), ...uuidLe(c.uuid)]) });
    attributes.push({ handle: value, type: 0, value: c.role === 'version' ? Uint8Array.of(1) : new TextEncoder().encode('hello') });
    h = value + 1;
    if (c.role === 'rx' || c.role === 'both') rx = value;
    if (c.role === 'tx' || c.role === 'both') {
      tx = value;
      txProperties = c.properties;
      if (withCccd) {
        cccd = h;
        attributes.push({ handle: h++, type: GATT_CLIENT_CHARACTERISTIC_CONFIGURATION, value: Uint8Array.of(0, 0) });
      }
    }
  }
  return { attributes, tx, rx, txProperties, cccd, serviceUuid: p.service };
}

/** The advertising data: Flags, Complete Local Name, and the service UUID (Core Supplement Part A 1.1-1.3). */
function advertisingData(name: string, serviceUuid: string): Uint8Array {
  const uuid = uuidLe(serviceUuid);
  const nameOctets = new TextEncoder().encode(name);
  return Uint8Array.from([2, 0x01, 0x06, nameOctets.length + 1, 0x09, ...nameOctets, uuid.length + 1, uuid.length === 2 ? 0x03 : 0x07, ...uuid]);
}

export interface WireRecord {
  dir: 'in' | 'out';
  hex: string;
}

export class ScriptedGattPeer {
  readonly peer: RawPeer;
  readonly layout: Layout;
  readonly address: string;
  /** Every ATT PDU of every connection, in order: 'in' from the hub, 'out' to it. */
  readonly wire: WireRecord[] = [];
  connections = 0;
  private mtu = 23;
  private seen = 0;
  private closed = false;

  private constructor(
    radio: Radio,
    readonly name: string,
    readonly options: ScriptedPeerOptions,
  ) {
    radio.addNode({ ...PICO_W_CONTROLLER, name });
    this.address = radio.get(name).controller.options.address.toLowerCase();
    this.peer = new RawPeer(radio, name);
    this.layout = layoutOf(options.profile, options.cccd);
    // RawPeer's own listener, registered first, has reassembled the frame by now.
    this.peer.hci.on('acl', () => {
      for (; this.seen < this.peer.frames.length; this.seen++) {
        const f = this.peer.frames[this.seen]!;
        if (f.cid === L2CAP_CID_ATT && f.payload.length > 0) this.onAtt(f.payload);
      }
    });
    this.peer.hci.on('event', (e) => {
      const opened = asEvent(e, LeConnectionComplete);
      if (opened?.status === 0) {
        this.peer.handle = opened.connectionHandle;
        this.mtu = 23;
        this.connections++;
      } else if (asEvent(e, DisconnectionComplete)?.status === 0) {
        this.peer.handle = -1;
        // A Pico advertises again once its central is gone.
        if (!this.closed) void this.peer.hci.execute(LeSetAdvertisingEnable, { advertisingEnable: true }).catch(() => undefined);
      }
    });
  }

  /** A peer advertising `name` with its profile's service, connectable. */
  static async start(radio: Radio, name: string, options: ScriptedPeerOptions): Promise<ScriptedGattPeer> {
    const p = new ScriptedGattPeer(radio, name, options);
    await p.peer.init();
    await p.peer.advertise(advertisingData(name, p.layout.serviceUuid));
    return p;
  }

  /** ATT PDUs the hub sent, as hex. */
  get received(): string[] {
    return this.wire.filter((w) => w.dir === 'in').map((w) => w.hex);
  }

  /** Sends `value` on the notifying characteristic: a notification, or an indication if it only indicates. */
  send(value: Uint8Array): void {
    const opcode = this.layout.txProperties & PROP_NOTIFY ? ATT_HANDLE_VALUE_NTF : ATT_HANDLE_VALUE_IND;
    this.att(Uint8Array.from([opcode, ...u16(this.layout.tx), ...value]));
  }

  close(): void {
    this.closed = true;
    this.peer.close();
  }

  private att(pdu: Uint8Array): void {
    if (this.peer.handle < 0) return;
    this.wire.push({ dir: 'out', hex: toHex(pdu) });
    this.peer.send(L2CAP_CID_ATT, pdu);
  }

  private error(request: number, handle: number, code: number): void {
    this.att(Uint8Array.from([ATT_ERROR_RSP, request, ...u16(handle), code]));
  }

  private attr(handle: number): Attribute | undefined {
    return this.layout.attributes.find((a) => a.handle === handle);
  }

  private onAtt(pdu: Uint8Array): void {
    this.wire.push({ dir: 'in', hex: toHex(pdu) });
    const r = new ByteReader(pdu);
    const op = r.u8();
    switch (op) {
      case ATT_EXCHANGE_MTU_REQ:
        this.mtu = Math.min(r.u16(), SERVER_MTU);
        return this.att(Uint8Array.from([ATT_EXCHANGE_MTU_RSP, ...u16(SERVER_MTU)]));
      case ATT_FIND_INFORMATION_REQ:
        return this.findInformation(r.u16(), r.u16());
      case ATT_READ_BY_TYPE_REQ: {
        const [start, end] = [r.u16(), r.u16()];
        const type = r.remaining === 2 ? r.u16() : -1;
        return this.readByType(start, end, type);
      }
      case ATT_READ_BY_GROUP_TYPE_REQ: {
        const [start, end] = [r.u16(), r.u16()];
        const type = r.remaining === 2 ? r.u16() : -1;
        if (type !== GATT_PRIMARY_SERVICE) return this.error(op, start, ATT_UNSUPPORTED_GROUP_TYPE);
        const last = this.layout.attributes.at(-1)!.handle;
        if (start > 1 || end < 1) return this.error(op, start, ATT_ATTRIBUTE_NOT_FOUND);
        const service = this.attr(1)!.value;
        return this.att(Uint8Array.from([ATT_READ_BY_GROUP_TYPE_RSP, 4 + service.length, ...u16(1), ...u16(last), ...service]));
      }
      case ATT_READ_REQ:
      case ATT_READ_BLOB_REQ: {
        const handle = r.u16();
        const offset = op === ATT_READ_BLOB_REQ ? r.u16() : 0;
        const a = this.attr(handle);
        if (!a) return this.error(op, handle, ATT_INVALID_HANDLE);
        return this.att(Uint8Array.from([op === ATT_READ_REQ ? ATT_READ_RSP : ATT_READ_BLOB_RSP, ...a.value.subarray(offset, offset + this.mtu - 1)]));
      }
      case ATT_WRITE_REQ:
      case ATT_WRITE_CMD: {
        const handle = r.u16();
        const value = r.rest();
        const a = this.attr(handle);
        if (handle === this.layout.cccd && this.options.cccdWriteError !== undefined) return this.error(op, handle, this.options.cccdWriteError);
        if (!a || (handle !== this.layout.rx && handle !== this.layout.cccd)) {
          if (op === ATT_WRITE_REQ) this.error(op, handle, ATT_WRITE_NOT_PERMITTED);
          return;
        }
        a.value = value.slice();
        if (op === ATT_WRITE_REQ) this.att(Uint8Array.of(ATT_WRITE_RSP));
        if (handle === this.layout.rx) this.onRxWrite(value);
        return;
      }
      case ATT_HANDLE_VALUE_CFM:
        return;
      default:
        if ((op & ATT_COMMAND_FLAG) === 0 && op % 2 === 0) this.error(op, 0, ATT_REQUEST_NOT_SUPPORTED);
    }
  }

  /** Find Information Response: handle-UUID pairs of one UUID size (3.4.3.2). */
  private findInformation(start: number, end: number): void {
    if (start === 0 || start > end) return this.error(ATT_FIND_INFORMATION_REQ, start, ATT_INVALID_HANDLE);
    const found = this.layout.attributes.filter((a) => a.handle >= start && a.handle <= end);
    if (found.length === 0) return this.error(ATT_FIND_INFORMATION_REQ, start, ATT_ATTRIBUTE_NOT_FOUND);
    // Characteristic values carry their characteristic's UUID; declarations and descriptors a 16-bit one.
    const typeOf = (a: Attribute): Uint8Array => {
      if (a.type !== 0) return Uint8Array.from(u16(a.type));
      const decl = this.layout.attributes.find((d) => d.type === GATT_CHARACTERISTIC && (d.value[1]! | (d.value[2]! << 8)) === a.handle)!;
      return decl.value.subarray(3);
    };
    const size = typeOf(found[0]!).length;
    const out = [ATT_FIND_INFORMATION_RSP, size === 2 ? 0x01 : 0x02];
    for (const a of found) {
      const t = typeOf(a);
      if (t.length !== size || out.length + 2 + size > this.mtu) break;
      out.push(...u16(a.handle), ...t);
    }
    this.att(Uint8Array.from(out));
  }

  private readByType(start: number, end: number, type: number): void {
    if (start === 0 || start > end) return this.error(ATT_READ_BY_TYPE_REQ, start, ATT_INVALID_HANDLE);
    const cccd = this.layout.cccd;
    if (type === GATT_CLIENT_CHARACTERISTIC_CONFIGURATION && cccd !== null && cccd >= start && cccd <= end) {
      const how = this.options.cccdByType;
      if ('error' in how) return this.error(ATT_READ_BY_TYPE_REQ, how.error === ATT_ATTRIBUTE_NOT_FOUND ? start : cccd, how.error);
      return this.att(Uint8Array.from([ATT_READ_BY_TYPE_RSP, 2 + how.octets, ...u16(cccd), ...new Array<number>(how.octets).fill(0)]));
    }
    const found = this.layout.attributes.filter((a) => a.type === type && type !== 0 && a.handle >= start && a.handle <= end);
    if (found.length === 0) return this.error(ATT_READ_BY_TYPE_REQ, start, ATT_ATTRIBUTE_NOT_FOUND);
    const length = 2 + found[0]!.value.length;
    const out = [ATT_READ_BY_TYPE_RSP, length];
    for (const a of found) {
      if (2 + a.value.length !== length || out.length + length > this.mtu) break;
      out.push(...u16(a.handle), ...a.value);
    }
    this.att(Uint8Array.from(out));
  }

  /** The device's side of each profile: a PicoLink PING is answered with a PONG notification. */
  private onRxWrite(value: Uint8Array): void {
    if (this.options.profile !== 'picolink') return;
    for (const f of decodeValue(value).frames) {
      if (isLinkFrame(f) && f.payload[0] === MessageType.PING) this.send(encodePong(f.payload.subarray(1), 0));
    }
  }
}
