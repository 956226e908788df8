// bluetooth.UUID: 16-, 32- or 128-bit, stored little-endian as on the air (Core 5.4 Vol 3 Part B
// 2.5.1). Construction, comparison and printing follow extmod/modbluetooth.c.

export interface Uuid {
  /** Little-endian, 2, 4 or 16 octets. */
  readonly bytes: Uint8Array;
}

/** 00000000-0000-1000-8000-00805F9B34FB, little-endian. Core 5.4 Vol 3 Part B 2.5.1. */
const BASE_UUID = Uint8Array.from([0xfb, 0x34, 0x9b, 0x5f, 0x80, 0x00, 0x00, 0x80, 0x00, 0x10, 0x00, 0x00, 0, 0, 0, 0]);

/** UUID(0x2a00), UUID(b'...') with 2, 4 or 16 octets, or UUID('6e400001-b5a3-...'), as bluetooth.UUID. */
export function uuid(value: number | string | Uint8Array): Uuid {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new RangeError('invalid UUID');
    return { bytes: Uint8Array.from([value & 0xff, value >> 8]) };
  }
  if (value instanceof Uint8Array) {
    if (value.length !== 2 && value.length !== 4 && value.length !== 16) throw new RangeError('invalid UUID');
    return { bytes: value.slice() };
  }
  const digits = value.replace(/-/g, '');
  if (!/^[0-9a-fA-F]*$/.test(digits)) throw new RangeError('invalid char in UUID');
  if (digits.length > 32) throw new RangeError('UUID too long');
  if (digits.length < 32) throw new RangeError('UUID too short');
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i++) bytes[15 - i] = parseInt(digits.slice(i * 2, i * 2 + 2), 16);
  return { bytes };
}

export function uuidEquals(a: Uuid, b: Uuid): boolean {
  return a.bytes.length === b.bytes.length && a.bytes.every((v, i) => v === b.bytes[i]);
}

/** As MicroPython prints it: UUID(0x2a00) or UUID('6e400001-b5a3-f393-e0a9-e50e24dcca9e'). */
export function formatUuid(u: Uuid): string {
  const hex = Array.from(u.bytes)
    .reverse()
    .map((b) => b.toString(16).padStart(2, '0'));
  if (u.bytes.length <= 4) return `UUID(0x${hex.join('')})`;
  const s = hex.join('');
  return `UUID('${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}')`;
}

/** The 128-bit form: 16- and 32-bit UUIDs placed into the Bluetooth Base UUID. */
export function uuid128(u: Uuid): Uint8Array {
  if (u.bytes.length === 16) return u.bytes;
  const out = BASE_UUID.slice();
  out.set(u.bytes, 12);
  return out;
}

/**
 * A UUID found on the air, as the BTstack binding reports it (create_mp_uuid): a 128-bit UUID built
 * on the Base UUID comes back as the 16-bit UUID (BTstack's gatt_client fills uuid16 for those).
 */
export function uuidFromAir(bytes: Uint8Array): Uuid {
  if (bytes.length === 16 && BASE_UUID.subarray(0, 12).every((v, i) => v === bytes[i]) && bytes[14] === 0 && bytes[15] === 0) {
    if (bytes[12] !== 0 || bytes[13] !== 0) return { bytes: bytes.slice(12, 14) };
  }
  return { bytes: bytes.slice() };
}
