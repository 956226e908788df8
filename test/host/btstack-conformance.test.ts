// Conformance: the ATT octets a Pico W running MicroPython 1.27 on BTstack answers, rule by rule,
// with the source each rule comes from. A change that drifts from BTstack fails here.
//
// The layout is the PicoLink firmware's (firmware/picolink/peripheral.py): a 128-bit service with
// RX (write, write without response), TX (notify) and VERSION (read), registered after the two
// default services. The anchor is the packet seen from a real BTstack Pico W (issue "Real stacks"):
// ACL 02 40 20 08 00 | L2CAP 04 00 04 00 | ATT 09 02 0c 00, a CCCD read by type with no value.
import { beforeEach, describe, expect, it } from 'vitest';
import { encodeAtt, type AttPdu } from '../../src-main/host/att-codec.ts';
import * as G from '../../src-main/host/gatt-db.ts';
import { GattServer } from '../../src-main/host/gatt-server.ts';
import { IRQ, type AttBearer, type IrqValue } from '../../src-main/host/irq.ts';
import { uuid } from '../../src-main/host/uuid.ts';
import { ManualClock } from '../../src-main/hci/clock.ts';
import { fromHex, toHex } from '../../src-main/hci/bytes.ts';

const SERVICE = uuid('6e400001-b5a3-f393-e0a9-e50e24dcca9e');
const RX = uuid('6e400002-b5a3-f393-e0a9-e50e24dcca9e');
const TX = uuid('6e400003-b5a3-f393-e0a9-e50e24dcca9e');
const VERSION = uuid('6e400004-b5a3-f393-e0a9-e50e24dcca9e');

let db: G.GattDb;
let server: GattServer;
let sent: AttPdu[];
let irqs: [number, IrqValue[]][];
let asked: number[];
/** What the firmware's IRQ handler returns for _IRQ_GATTS_READ_REQUEST (None: 0). */
let answer = 0;
let handles: number[];

beforeEach(() => {
  db = new G.GattDb();
  handles = db.registerService([SERVICE, [[RX, G.FLAG_WRITE | G.FLAG_WRITE_NO_RESPONSE], [TX, G.FLAG_NOTIFY], [VERSION, G.FLAG_READ]]]);
  db.write(handles[2]!, Uint8Array.of(2));
  sent = [];
  irqs = [];
  asked = [];
  answer = 0;
  server = new GattServer(db, new ManualClock(), {
    irq: (c, d) => irqs.push([c, d]),
    log: () => undefined,
    readRequest: (_conn, h) => (asked.push(h), answer),
  });
  const bearer: AttBearer = { handle: 0x40, mtu: 23, mtuExchanged: false, maxMtu: 1017, send: (p) => sent.push(p) };
  server.open(bearer);
});

function ask(hex: string): string {
  const before = sent.length;
  server.receive(0x40, fromHex(hex));
  return sent.length > before ? toHex(encodeAtt(sent.at(-1)!)) : '';
}

describe('attribute table (modbluetooth_btstack.c mp_bluetooth_gatts_register_service_begin / _register_service, att_db_util.c)', () => {
  it('GAP 1-3, GATT 4-6, then the service: declaration, value, CCCD right after a notify value', () => {
    expect(handles).toEqual([9, 11, 14]);
    expect(ask('10 01 00 ff ff 00 28')).toBe('1106010003000018040006000118');
    expect(ask('10 07 00 ff ff 00 28')).toBe(`111407000e00${toHex(SERVICE.bytes)}`);
    // Find Information over TX's range: its value, then 0x2902.
    expect(ask('04 0b 00 0c 00')).toBe(`05020b00${toHex(TX.bytes)}`);
    expect(ask('04 0c 00 0c 00')).toBe('05010c000229');
    // Characteristic declarations carry the binding's properties (the DYNAMIC flag stays inside).
    expect(ask('08 0a 00 0e 00 03 28')).toBe(`09150a00100b00${toHex(TX.bytes)}`);
  });
});

describe('reads: BTstack att_db.c asks the binding for a length, then for the octets', () => {
  it('a CCCD read by type has no value: 09 02 0c 00, the packet seen from a real Pico W', () => {
    // handle_read_by_type_request2(): pair length 2 + att_update_value_len(); the binding's
    // att_read_callback(buffer NULL) returns 0 for an allowed read (`!mp_bluetooth_gatts_on_read_request`).
    expect(ask('08 0b 00 0d 00 02 29')).toBe('09020c00');
    expect(asked).toEqual([12]);
  });

  it('a plain Read of the same CCCD gives its two octets: handle_read_request2 copies without the length', () => {
    expect(ask('0a 0c 00')).toBe('0b0000');
    expect(ask('12 0c 00 01 00')).toBe('13');
    expect(ask('0a 0c 00')).toBe('0b0100');
    expect(ask('08 0b 00 0d 00 02 29')).toBe('09020c00');
  });

  it('a CCCD write raises no _IRQ_GATTS_WRITE (att_write_callback skips GATT_CLIENT_CHARACTERISTICS_CONFIGURATION)', () => {
    ask('12 0c 00 01 00');
    ask('12 09 00 41');
    expect(irqs).toEqual([[IRQ.GATTS_WRITE, [0x40, 9]]]);
  });

  it('every dynamic value read by type is empty: VERSION and the Device Name', () => {
    expect(ask(`08 0d 00 0e 00 ${toHex(VERSION.bytes)}`)).toBe('09020e00');
    expect(ask('0a 0e 00')).toBe('0b02');
    expect(ask('08 01 00 ff ff 00 2a')).toBe('09020300');
    expect(ask('0a 03 00')).toBe(`0b${toHex(new TextEncoder().encode('MPY BTSTACK'))}`);
  });

  it('a static value read by type keeps its length: Service Changed, empty (ATT_PROPERTY_READ, no value)', () => {
    expect(ask('08 01 00 ff ff 05 2a')).toBe('09020600');
    expect(asked).toEqual([]);
  });

  it('Read Blob trusts the length: offset 0 is empty, any other offset Invalid Offset (handle_read_blob_request2)', () => {
    db.write(14, Uint8Array.from({ length: 30 }, (_, i) => i));
    expect(ask('0c 0e 00 00 00')).toBe('0d');
    expect(ask('0c 0e 00 01 00')).toBe('010c0e0007');
    expect(ask('0c 0e 00 16 00')).toBe('010c0e0007');
  });

  it('Read Multiple copies each value whole (handle_read_multiple_request2)', () => {
    expect(ask('0e 0e 00 0c 00')).toBe('0f020000');
    expect(asked).toEqual([14, 12]);
  });

  it("a handler that returns non-zero (the docs' \"deny\") makes the length real and denies nothing", () => {
    answer = 2; // _GATTS_ERROR_READ_NOT_PERMITTED in the docs
    expect(ask('08 0b 00 0d 00 02 29')).toBe('09040c000000');
    expect(ask('0a 0e 00')).toBe('0b02');
    db.write(14, Uint8Array.from({ length: 30 }, (_, i) => i));
    expect(ask('0c 0e 00 16 00')).toBe(`0d${toHex(Uint8Array.from({ length: 8 }, (_, i) => 22 + i))}`);
  });
});

describe('writes (att_write_callback)', () => {
  it('a peer write longer than the value buffer (20 octets by default) is cut to it', () => {
    expect(ask(`12 09 00 ${'61'.repeat(22)}`)).toBe('13');
    expect(toHex(db.read(9))).toBe('61'.repeat(20));
  });

  it('Exchange MTU answers the MTU in use, min(client, ours), at least 23 (att_server handle_exchange_mtu_request)', () => {
    expect(ask('02 05 02')).toBe('030502');
    expect(ask('02 05 00')).toBe('031700');
  });
});
