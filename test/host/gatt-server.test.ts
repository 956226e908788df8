// The ATT server against a scripted client: every request and its error cases, answered as
// BTstack's att_db.c answers them, and the IRQs MicroPython raises for them.
import { beforeEach, describe, expect, it } from 'vitest';
import { decodeAtt, encodeAtt, type AttPdu } from '../../src-main/host/att-codec.ts';
import * as G from '../../src-main/host/gatt-db.ts';
import { GattServer } from '../../src-main/host/gatt-server.ts';
import { IRQ, type AttBearer, type IrqValue } from '../../src-main/host/irq.ts';
import { uuid } from '../../src-main/host/uuid.ts';
import { ManualClock } from '../../src-main/hci/clock.ts';
import { fromHex, toHex } from '../../src-main/hci/bytes.ts';

const NUS = uuid('6e400001-b5a3-f393-e0a9-e50e24dcca9e');
const TX = uuid('6e400003-b5a3-f393-e0a9-e50e24dcca9e');
const U128 = toHex(NUS.bytes);

let db: G.GattDb;
let server: GattServer;
let clock: ManualClock;
let sent: AttPdu[];
let irqs: [number, IrqValue[]][];
/** What the _IRQ_GATTS_READ_REQUEST handler returns (0: None). */
let readAnswer = 0;
let bearer: AttBearer;
let handles: number[];

beforeEach(() => {
  db = new G.GattDb();
  // 7 NUS, 8 decl, 9 TX value, 10 CCCD, 11 decl, 12 0x2a19 value, 13 decl, 14 0x2a37 value (encrypted), 15 0x2901
  handles = [
    ...db.registerService([NUS, [[TX, G.FLAG_READ | G.FLAG_NOTIFY | G.FLAG_INDICATE]]]),
    ...db.registerService([uuid(0x180f), [[uuid(0x2a19), G.FLAG_WRITE_NO_RESPONSE], [uuid(0x2a37), G.FLAG_READ | G.FLAG_READ_ENCRYPTED | G.FLAG_WRITE, [[uuid(0x2901), G.FLAG_READ | G.FLAG_WRITE]]]]]),
  ];
  clock = new ManualClock();
  sent = [];
  irqs = [];
  readAnswer = 0;
  server = new GattServer(db, clock, { irq: (c, d) => irqs.push([c, d]), log: () => undefined, readRequest: () => readAnswer });
  bearer = { handle: 0x40, mtu: 23, mtuExchanged: false, maxMtu: 256, send: (p) => sent.push(p) };
  server.open(bearer);
});

/** Sends a request (hex) and returns the hex of the answer, or '' if none. */
function ask(hex: string): string {
  const before = sent.length;
  server.receive(0x40, fromHex(hex));
  return sent.length > before ? toHex(encodeAtt(sent.at(-1)!)) : '';
}

const TXH = toHex(TX.bytes);
const NAME = toHex(new TextEncoder().encode('MPY BTSTACK'));

describe('ATT server discovery', () => {
  it('handles as registered', () => {
    expect(handles).toEqual([9, 13, 15, 16]);
  });

  it('Read By Group Type: same-length groups per response, then Attribute Not Found; bad types and ranges', () => {
    expect(ask('10 01 00 ff ff 00 28')).toBe('1106010003000018040006000118');
    expect(ask('10 07 00 ff ff 00 28')).toBe(`111407000a00${U128}`);
    expect(ask('10 0b 00 ff ff 00 28')).toBe('11060b0010000f18');
    expect(ask('10 11 00 ff ff 00 28')).toBe('011011000a');
    expect(ask('10 01 00 ff ff 03 28')).toBe('0110010010'); // Unsupported Group Type
    expect(ask('10 00 00 ff ff 00 28')).toBe('0110000001'); // Invalid Handle: start 0
    expect(ask('10 05 00 04 00 00 28')).toBe('0110050001'); // Invalid Handle: start > end
  });

  it('Read By Type for characteristic declarations: pairs of one length per response', () => {
    expect(ask('08 01 00 ff ff 03 28')).toBe('09070200020300002a0500020600052a');
    expect(ask('08 07 00 ff ff 03 28')).toBe(`09150800320900${TXH}`);
    expect(ask('08 09 00 ff ff 03 28')).toBe('09070c00040d00192a0e000a0f00372a');
    expect(ask('08 12 00 ff ff 03 28')).toBe('010812000a');
  });

  it('Read By Type for values: dynamic values measured by the read-request answer, Read Not Permitted, security', () => {
    // The binding's length query answers 0 octets for an allowed read (see btstack-conformance.test.ts).
    expect(ask('08 01 00 ff ff 00 2a')).toBe('09020300');
    readAnswer = 1;
    expect(ask('08 01 00 ff ff 00 2a')).toBe(`090d0300${NAME}`);
    expect(ask('08 01 00 ff ff 19 2a')).toBe('01080d0002');
    expect(ask('08 01 00 ff ff 37 2a')).toBe('010801000f');
  });

  it('Find Information: 16-bit and 128-bit types never mixed', () => {
    expect(ask('04 08 00 0a 00')).toBe('050108000328');
    expect(ask('04 09 00 0a 00')).toBe(`05020900${TXH}`);
    expect(ask('04 0a 00 0a 00')).toBe('05010a000229');
    expect(ask('04 14 00 ff ff')).toBe('010414000a');
    expect(ask('04 05 00 01 00')).toBe('0104050001');
  });

  it('Find By Type Value finds a service by its UUID', () => {
    expect(ask(`06 01 00 ff ff 00 28 ${U128}`)).toBe('0707000a00');
    expect(ask('06 01 00 ff ff 00 28 0f 18')).toBe('070b001000');
    expect(ask('06 01 00 ff ff 00 28 0d 18')).toBe('010601000a');
  });
});

describe('ATT server reads', () => {
  it('Read: value cut to ATT_MTU - 1; unknown handle, not readable, encrypted', () => {
    expect(ask('0a 03 00')).toBe(`0b${NAME}`);
    db.write(9, Uint8Array.from({ length: 30 }, (_, i) => i));
    expect(ask('0a 09 00')).toBe(`0b${toHex(Uint8Array.from({ length: 22 }, (_, i) => i))}`);
    expect(ask('0a 99 00')).toBe('010a990001');
    expect(ask('0a 0d 00')).toBe('010a0d0002');
    expect(ask('0a 0f 00')).toBe('010a0f000f');
  });

  it('Read Blob: from the offset; at the end empty; past it Invalid Offset', () => {
    db.write(9, Uint8Array.from({ length: 30 }, (_, i) => i));
    // An allowed read measures 0 octets, so any offset is past the end (btstack-conformance.test.ts).
    expect(ask('0c 09 00 00 00')).toBe('0d');
    expect(ask('0c 09 00 16 00')).toBe('010c090007');
    readAnswer = 1;
    expect(ask('0c 09 00 16 00')).toBe(`0d${toHex(Uint8Array.from({ length: 8 }, (_, i) => 22 + i))}`);
    expect(ask('0c 09 00 1e 00')).toBe('0d');
    expect(ask('0c 09 00 1f 00')).toBe('010c090007');
  });

  it('Read Multiple: values concatenated; the first bad handle fails it', () => {
    db.write(9, fromHex('68 69'));
    expect(ask('0e 03 00 09 00')).toBe(`0f${NAME}6869`);
    expect(ask('0e 03 00 99 00')).toBe('010e990001');
  });

  it('asks _IRQ_GATTS_READ_REQUEST for dynamic values only; a Read returns the value whatever the answer', () => {
    const asked: number[] = [];
    server = new GattServer(db, clock, { irq: () => undefined, log: () => undefined, readRequest: (_c, h) => (asked.push(h), readAnswer) });
    server.open(bearer);
    db.write(9, fromHex('68 69'));
    expect(ask('0a 09 00')).toBe('0b6869');
    expect(ask('0a 02 00')).toBe('0b020300002a'); // a declaration: static, not asked
    readAnswer = 0x0e; // the documented "deny" does not deny on BTstack (btstack-conformance.test.ts)
    expect(ask('0a 09 00')).toBe('0b6869');
    expect(asked).toEqual([9, 9]);
  });
});

describe('ATT server writes', () => {
  it('Write Request stores the value and raises _IRQ_GATTS_WRITE (conn_handle, attr_handle) before answering', () => {
    expect(ask('12 10 00 61 62')).toBe('13');
    expect(irqs).toEqual([[IRQ.GATTS_WRITE, [0x40, 16]]]);
    expect(toHex(db.read(16))).toBe('6162');
  });

  it('a CCCD write is stored without an IRQ', () => {
    expect(ask('12 0a 00 01 00')).toBe('13');
    expect(irqs).toEqual([]);
    expect(toHex(db.read(10))).toBe('0100');
  });

  it('Write Not Permitted, Invalid Handle; Write Command only where allowed, never answered', () => {
    expect(ask('12 0d 00 01')).toBe('01120d0003');
    expect(ask('12 06 00 01')).toBe('0112060003');
    expect(ask('12 99 00 01')).toBe('0112990001');
    expect(ask('52 10 00 01')).toBe('');
    expect(irqs).toEqual([]);
    expect(ask('52 0d 00 07')).toBe('');
    expect(irqs).toEqual([[IRQ.GATTS_WRITE, [0x40, 13]]]);
    expect(toHex(db.read(13))).toBe('07');
  });

  it('Prepare Write stores each part as a whole write (the binding ignores the offset); Execute answers', () => {
    expect(ask('16 10 00 05 00 aa bb')).toBe('1710000500aabb');
    expect(toHex(db.read(16))).toBe('aabb');
    expect(ask('18 01')).toBe('19');
    expect(irqs).toEqual([[IRQ.GATTS_WRITE, [0x40, 16]]]);
  });
});

describe('ATT server, everything else', () => {
  it('Exchange MTU: min(client, ours), at least 23, then _IRQ_MTU_EXCHANGED', () => {
    expect(ask('02 00 02')).toBe('030001');
    expect(bearer.mtu).toBe(256);
    expect(irqs).toEqual([[IRQ.MTU_EXCHANGED, [0x40, 256]]]);
    expect(ask('02 10 00')).toBe('031700');
  });

  it('Request Not Supported for unknown and unsupported opcodes, Invalid PDU for bad lengths', () => {
    expect(ask('30 01 02')).toBe('0130000006');
    expect(ask('d2 09 00 00')).toBe('01d2000006');
    expect(ask('1e')).toBe('011e000006'); // a confirmation nobody waits for
    expect(ask('0a 09')).toBe('010a000004');
    expect(ask('52 09')).toBe(''); // a malformed command: ignored
    expect(ask('')).toBe('');
  });

  it('notifications are cut to ATT_MTU - 3; an unknown connection is EINVAL', () => {
    server.notify(0x40, 9, new Uint8Array(30));
    expect(toHex(encodeAtt(sent.at(-1)!))).toBe(`1b0900${'00'.repeat(20)}`);
    expect(() => server.notify(0x41, 9, new Uint8Array(1))).toThrow(expect.objectContaining({ errno: 22 }));
  });

  it('one indication in flight: the next waits for the confirmation; _IRQ_GATTS_INDICATE_DONE per indication', () => {
    server.indicate(0x40, 9, fromHex('61'));
    server.indicate(0x40, 9, fromHex('62'));
    expect(sent.map((p) => toHex(encodeAtt(p)))).toEqual(['1d090061']);
    expect(ask('1e')).toBe('1d090062');
    expect(irqs).toEqual([[IRQ.GATTS_INDICATE_DONE, [0x40, 9, 0]]]);
    clock.advance(30_000);
    expect(irqs.at(-1)).toEqual([IRQ.GATTS_INDICATE_DONE, [0x40, 9, 0x91]]);
  });

  it('a connection that closes with an indication in flight reports ATT_HANDLE_VALUE_INDICATION_DISCONNECT', () => {
    server.indicate(0x40, 9, fromHex('61'));
    server.close(0x40);
    expect(irqs).toEqual([[IRQ.GATTS_INDICATE_DONE, [0x40, 9, 0x92]]]);
    expect(decodeAtt(encodeAtt(sent[0]!)).op).toBe('indicate');
  });
});
