// A packet's fields as one object of field kinds in wire order, from which both the encoder and
// the decoder come, and whose decoded type TypeScript infers: Value<{ status: Field<number> }> is
// { status: number }. Arrays of parameters (Num_Reports, Num_Handles) are lists of such structs,
// sent entry by entry (Core 5.4 Vol 4 Part E 5.2).
import { ByteReader, ByteWriter } from './bytes.ts';
import { u8, type Field, type Random } from './fields.ts';

/** Named fields in wire order (object keys keep their insertion order). */
export type Spec = { readonly [name: string]: Field<unknown> };
export type Value<S extends Spec> = { [K in keyof S]: S[K] extends Field<infer T> ? T : never };

/** A packet with no fields (a command without parameters, Command Complete with only a status). */
export const NO_FIELDS = Object.freeze({});
export type NoFields = typeof NO_FIELDS;

export function readStruct<S extends Spec>(spec: S, r: ByteReader): Value<S> {
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(spec)) out[name] = field.read(r);
  return out as Value<S>;
}

export function writeStruct<S extends Spec>(spec: S, w: ByteWriter, value: Value<S>): void {
  const values: Record<string, unknown> = value;
  for (const [name, field] of Object.entries(spec)) field.write(w, values[name]);
}

export function sampleStruct<S extends Spec>(spec: S, random: Random): Value<S> {
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(spec)) out[name] = field.sample(random);
  return out as Value<S>;
}

/** Decodes a whole structure: malformed or trailing octets throw DecodeError(layer, code, offset). */
export function decodeStruct<S extends Spec>(spec: S, bytes: Uint8Array, layer = 'hci'): Value<S> {
  const r = new ByteReader(bytes, layer);
  const v = readStruct(spec, r);
  r.end();
  return v;
}

export function encodeStruct<S extends Spec>(spec: S, value: Value<S>): Uint8Array {
  const w = new ByteWriter();
  writeStruct(spec, w, value);
  return w.finish();
}

/** Field kind: Num_X (one octet), then that many entries. */
export function list<S extends Spec>(spec: S): Field<Value<S>[]> {
  return {
    kind: 'list',
    read(r) {
      const n = r.u8();
      return Array.from({ length: n }, () => readStruct(spec, r));
    },
    write(w, entries) {
      if (entries.length > 0xff) throw new RangeError(`${entries.length} entries exceed 255`);
      w.u8(entries.length);
      for (const e of entries) writeStruct(spec, w, e);
    },
    sample: (random) => Array.from({ length: Math.floor(random() * 4) }, () => sampleStruct(spec, random)),
  };
}

/** One entry of a per-PHY array, with the PHY bit it belongs to. */
export type PhyEntry<S extends Spec> = { phy: number } & Value<S>;

/**
 * Field kind: a PHYs bit mask, then one entry per bit set, lowest bit first (Scanning_PHYs
 * 7.8.64, Initiating_PHYs 7.8.66). The decoder refuses a mask with no allowed bit or another bit;
 * the encoder writes the mask of the entries, which must be in increasing PHY order.
 */
export function perPhy<S extends Spec>(allowed: readonly number[], spec: S): Field<PhyEntry<S>[]> {
  const allowedMask = allowed.reduce((m, b) => m | b, 0);
  return {
    kind: 'per-phy',
    read(r) {
      const at = r.offset;
      const mask = r.u8();
      if ((mask & allowedMask) === 0 || (mask & ~allowedMask) !== 0) {
        r.fail('out-of-range', at, `PHYs 0x${mask.toString(16).padStart(2, '0')} must name only 0x${allowedMask.toString(16).padStart(2, '0')}`);
      }
      return allowed.filter((phy) => mask & phy).map((phy) => ({ phy, ...readStruct(spec, r) }));
    },
    write(w, entries) {
      let mask = 0;
      for (const e of entries) {
        if (!allowed.includes(e.phy) || e.phy <= mask) throw new RangeError(`PHY 0x${e.phy.toString(16)} out of place`);
        mask |= e.phy;
      }
      u8.write(w, mask);
      for (const e of entries) writeStruct(spec, w, e);
    },
    sample(random) {
      const chosen = allowed.filter(() => random() < 0.5);
      const phys = chosen.length > 0 ? chosen : [allowed[0]!];
      return phys.map((phy) => ({ phy, ...sampleStruct(spec, random) }));
    },
  };
}
