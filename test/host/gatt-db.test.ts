// The attribute database as MicroPython's BTstack binding lays it out, and the value store semantics
// of extmod/modbluetooth.c (buffer sizes, append mode, gatts_read emptying an append buffer).
import { describe, expect, it } from 'vitest';
import { BleError } from '../../src-main/host/ble-error.ts';
import * as G from '../../src-main/host/gatt-db.ts';
import { uuid } from '../../src-main/host/uuid.ts';
import { toHex } from '../../src-main/hci/bytes.ts';

const hex = (b: Uint8Array): string => toHex(b);
const NUS = uuid('6e400001-b5a3-f393-e0a9-e50e24dcca9e');
const TX = uuid('6e400003-b5a3-f393-e0a9-e50e24dcca9e');
const RX = uuid('6e400002-b5a3-f393-e0a9-e50e24dcca9e');

describe('GattDb layout', () => {
  it('starts with GAP (Device Name at handle 3) and GATT (Service Changed) services, no Appearance', () => {
    const db = new G.GattDb();
    expect(db.attributes.map((a) => [a.handle, hex(a.type), hex(a.value)])).toEqual([
      [1, '0028', '0018'],
      [2, '0328', '020300002a'],
      [3, '002a', ''],
      [4, '0028', '0118'],
      [5, '0328', '020600052a'],
      [6, '052a', ''],
    ]);
    expect(new TextDecoder().decode(db.read(G.GAP_DEVICE_NAME_HANDLE))).toBe('MPY BTSTACK');
    expect(db.has(6)).toBe(false); // Service Changed is a static, empty value
  });

  it('lays out characteristics as declaration, value, CCCD (notify/indicate), descriptors; returns value and descriptor handles', () => {
    const db = new G.GattDb();
    const handles = db.registerService([
      NUS,
      [
        [TX, G.FLAG_READ | G.FLAG_NOTIFY],
        [RX, G.FLAG_WRITE | G.FLAG_WRITE_NO_RESPONSE, [[uuid(0x2901), G.FLAG_READ]]],
      ],
    ]);
    expect(handles).toEqual([9, 12, 13]);
    expect(db.attributes.slice(6).map((a) => [a.handle, hex(a.type), a.flags, hex(a.value)])).toEqual([
      [7, '0028', G.ATT_PROPERTY_READ, hex(NUS.bytes)],
      [8, '0328', G.ATT_PROPERTY_READ, `120900${hex(TX.bytes)}`],
      [9, hex(TX.bytes), 0x112, ''],
      [10, '0229', 0x10a, ''],
      [11, '0328', G.ATT_PROPERTY_READ, `0c0c00${hex(RX.bytes)}`],
      [12, hex(RX.bytes), 0x10c, ''],
      [13, '0129', 0x102, ''],
    ]);
    expect(hex(db.read(10))).toBe('0000');
    expect(db.uuid16Of(10)).toBe(G.GATT_CLIENT_CHARACTERISTIC_CONFIGURATION);
    expect(db.uuid16Of(9)).toBe(0);
  });

  it('maps the security flags and refuses 32-bit UUIDs with EINVAL', () => {
    const db = new G.GattDb();
    const [h] = db.registerService([uuid(0x180f), [[uuid(0x2a19), G.FLAG_READ | G.FLAG_READ_ENCRYPTED | G.FLAG_WRITE | G.FLAG_WRITE_AUTHORIZED]]]);
    const a = db.find(h!)!;
    expect([a.readSecurity, a.writeSecurity]).toEqual([G.SECURITY_ENCRYPTED, G.SECURITY_AUTHORIZED]);
    expect(() => db.registerService([uuid(Uint8Array.of(1, 2, 3, 4)), []])).toThrow(BleError);
  });

  it('starts over on every registration', () => {
    const db = new G.GattDb();
    db.registerService([NUS, [[TX, G.FLAG_READ]]]);
    db.beginServices();
    expect(db.registerService([NUS, [[RX, G.FLAG_READ]]])).toEqual([9]);
    expect(db.attributes).toHaveLength(9);
  });
});

describe('GattDb values', () => {
  it('a value buffer is 20 octets: a peer write is cut to it, a local write grows it', () => {
    const db = new G.GattDb();
    const [h] = db.registerService([NUS, [[RX, G.FLAG_WRITE]]]) as [number];
    db.peerWrite(h, new Uint8Array(30).fill(1));
    expect(db.read(h)).toHaveLength(20);
    db.write(h, new Uint8Array(30).fill(2));
    expect(db.read(h)).toHaveLength(30);
    db.peerWrite(h, new Uint8Array(40).fill(3));
    expect(db.read(h)).toHaveLength(30);
  });

  it('gatts_set_buffer resizes and empties; append mode adds peer writes and gatts_read empties it', () => {
    const db = new G.GattDb();
    const [h] = db.registerService([NUS, [[RX, G.FLAG_WRITE]]]) as [number];
    db.write(h, Uint8Array.of(9));
    db.resize(h, 5, true);
    expect(db.read(h)).toHaveLength(0);
    db.peerWrite(h, Uint8Array.of(1, 2));
    db.peerWrite(h, Uint8Array.of(3, 4));
    db.peerWrite(h, Uint8Array.of(5, 6));
    expect(hex(db.read(h))).toBe('0102030405');
    expect(db.read(h)).toHaveLength(0);
  });

  it('unknown handles are EINVAL', () => {
    const db = new G.GattDb();
    for (const f of [() => db.read(99), () => db.write(99, new Uint8Array(1)), () => db.resize(99, 1, false)]) {
      expect(f).toThrow(expect.objectContaining({ errno: 22 }));
    }
  });
});
