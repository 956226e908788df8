// The field kinds HCI packets are made of. A packet is an object of named fields in wire order
// (struct.ts); each field kind reads, writes and samples one value, and its TypeScript type is
// what decoding gives. Multi-octet fields are little-endian (Core 5.4 Vol 4 Part E 5.2).
import type { ByteReader, ByteWriter } from './bytes.ts';

/** Uniform random numbers in [0, 1), for sampling values. */
export type Random = () => number;

export interface Field<T> {
  /** What the field is, for messages: 'u16', 'octets(6)'. */
  readonly kind: string;
  read(r: ByteReader): T;
  write(w: ByteWriter, value: T): void;
  /** Any value the field carries, as decode(encode(x)) must give back: round-trip tests use it. */
  sample(random: Random): T;
}

const int = (random: Random, min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
const octetsOf = (random: Random, n: number): Uint8Array => Uint8Array.from({ length: n }, () => int(random, 0, 255));

function uint(octets: 1 | 2 | 3): Field<number> {
  const max = 2 ** (8 * octets) - 1;
  return {
    kind: `u${8 * octets}`,
    read: (r) => (octets === 1 ? r.u8() : octets === 2 ? r.u16() : r.u24()),
    write: (w, v) => void (octets === 1 ? w.u8(v) : octets === 2 ? w.u16(v) : w.u24(v)),
    sample: (random) => int(random, 0, max),
  };
}

export const u8 = uint(1);
export const u16 = uint(2);
export const u24 = uint(3);

/** A signed octet: RSSI, Tx power (dBm). */
export const i8: Field<number> = {
  kind: 'i8',
  read: (r) => r.i8(),
  write: (w, v) => void w.i8(v),
  sample: (random) => int(random, -128, 127),
};

/** An integer field whose decoder refuses values outside [min, max] (encoders write any value). */
export function range(field: Field<number>, min: number, max: number): Field<number> {
  return {
    kind: `${field.kind}[${min}..${max}]`,
    read(r) {
      const at = r.offset;
      const v = field.read(r);
      if (v < min || v > max) r.fail('out-of-range', at, `${v} is outside ${min}..${max}`);
      return v;
    },
    write: (w, v) => field.write(w, v),
    sample: (random) => int(random, min, max),
  };
}

/** Connection_Handle: 12 bits in two octets, the upper bits masked off (Part E 5.4.2). */
export const handle: Field<number> = {
  kind: 'handle',
  read: (r) => r.u16() & 0x0fff,
  write: (w, v) => void w.u16(v & 0x0fff),
  sample: (random) => int(random, 0, 0x0eff),
};

/** One octet that must be 0x00 or 0x01 (an enable). */
export const bool: Field<boolean> = {
  kind: 'bool',
  read(r) {
    const at = r.offset;
    const v = r.u8();
    if (v > 1) r.fail('out-of-range', at, `${v} is neither 0x00 nor 0x01`);
    return v === 1;
  },
  write: (w, v) => void w.u8(v ? 1 : 0),
  sample: (random) => random() < 0.5,
};

/** Exactly `n` octets; a shorter value is padded with zeros, a longer one cut, when written. */
export function octets(n: number, kind = `octets(${n})`): Field<Uint8Array> {
  return {
    kind,
    read: (r) => r.bytesN(n),
    write: (w, v) => void w.fixed(v, n),
    sample: (random) => octetsOf(random, n),
  };
}

/** BD_ADDR, least significant octet first (Core 5.4 Vol 2 Part B 1.2). */
export const address = octets(6, 'address');

/**
 * A length of `lengthOctets` octets, then that many octets (Data_Length and Data; an H4 packet's
 * parameters). The decoder refuses a length over `max`; the encoder throws RangeError for one.
 */
export function sized(lengthOctets: 1 | 2, max = 2 ** (8 * lengthOctets) - 1): Field<Uint8Array> {
  return {
    kind: `sized(${lengthOctets})`,
    read(r) {
      const at = r.offset;
      const n = lengthOctets === 1 ? r.u8() : r.u16();
      if (n > max) r.fail('out-of-range', at, `length ${n} exceeds ${max}`);
      return r.bytesN(n);
    },
    write(w, v) {
      if (v.length > max) throw new RangeError(`${v.length} octets exceed the ${max} this field holds`);
      if (lengthOctets === 1) w.u8(v.length);
      else w.u16(v.length);
      w.bytes(v);
    },
    sample: (random) => octetsOf(random, int(random, 0, Math.min(max, 40))),
  };
}

/** Every octet left in the packet (Return_Parameters, a B-frame's payload). */
export const rest: Field<Uint8Array> = {
  kind: 'rest',
  read: (r) => r.rest(),
  write: (w, v) => void w.bytes(v),
  sample: (random) => octetsOf(random, int(random, 0, 40)),
};

/** Widths in bits of the parts of a 16-bit field, least significant first. */
export type BitLayout = { readonly [part: string]: number };
export type Bits<L extends BitLayout> = { [K in keyof L]: number };

/** Two octets split into parts (ACL header: handle 12 bits, PB 2, BC 2). Parts are masked to their widths. */
export function bits16<L extends BitLayout>(layout: L): Field<Bits<L>> {
  const parts = Object.entries(layout);
  return {
    kind: 'bits16',
    read(r) {
      const v = r.u16();
      const out: Record<string, number> = {};
      let shift = 0;
      for (const [name, width] of parts) {
        out[name] = (v >> shift) & ((1 << width) - 1);
        shift += width;
      }
      return out as Bits<L>;
    },
    write(w, v) {
      const values: Record<string, number> = v;
      let word = 0;
      let shift = 0;
      for (const [name, width] of parts) {
        word |= ((values[name] ?? 0) & ((1 << width) - 1)) << shift;
        shift += width;
      }
      w.u16(word);
    },
    sample(random) {
      const out: Record<string, number> = {};
      for (const [name, width] of parts) out[name] = int(random, 0, (1 << width) - 1);
      return out as Bits<L>;
    },
  };
}
