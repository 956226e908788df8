import { describe, expect, it } from 'vitest';
import { formatUuid, uuid, uuid128, uuidEquals, uuidFromAir } from '../../src-main/host/uuid.ts';
import { fromHex, toHex } from '../../src-main/hci/bytes.ts';

describe('bluetooth.UUID', () => {
  it('16-bit from an int, little-endian', () => {
    expect(toHex(uuid(0x2a00).bytes)).toBe('002a');
    expect(formatUuid(uuid(0x2a00))).toBe('UUID(0x2a00)');
    expect(() => uuid(0x10000)).toThrow('invalid UUID');
  });

  it('128-bit from a string, printed as MicroPython prints it', () => {
    const u = uuid('6E400001-B5A3-F393-E0A9-E50E24DCCA9E');
    expect(toHex(u.bytes)).toBe('9ecadc240ee5a9e093f3a3b50100406e');
    expect(formatUuid(u)).toBe("UUID('6e400001-b5a3-f393-e0a9-e50e24dcca9e')");
    expect(() => uuid('6e400001')).toThrow('UUID too short');
    expect(() => uuid('6e400001-b5a3-f393-e0a9-e50e24dcca9e00')).toThrow('UUID too long');
    expect(() => uuid('6e40000x-b5a3-f393-e0a9-e50e24dcca9e')).toThrow('invalid char in UUID');
  });

  it('from bytes of 2, 4 or 16 octets; compares by type and value', () => {
    expect(uuidEquals(uuid(fromHex('00 2a')), uuid(0x2a00))).toBe(true);
    expect(uuidEquals(uuid(0x2a00), { bytes: uuid128(uuid(0x2a00)) })).toBe(false);
    expect(formatUuid(uuid(fromHex('01 02 03 04')))).toBe('UUID(0x04030201)');
    expect(() => uuid(fromHex('01 02 03'))).toThrow('invalid UUID');
  });

  it('a Base-UUID 128-bit UUID from the air reports as 16-bit (BTstack gatt_client)', () => {
    const onAir = uuid128(uuid(0x180d));
    expect(toHex(onAir)).toBe('fb349b5f80000080001000000d180000');
    expect(uuidEquals(uuidFromAir(onAir), uuid(0x180d))).toBe(true);
    const custom = uuid('6e400001-b5a3-f393-e0a9-e50e24dcca9e');
    expect(uuidEquals(uuidFromAir(custom.bytes), custom)).toBe(true);
  });
});
