// Every packet defined in src-main/hci: decode(encode(x)) == x for sampled values of each field
// kind, and malformed input (cut short, too long, random octets) throws DecodeError with its layer
// and offset, never RangeError or TypeError.
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src-main/hci/bytes.ts';
import { decodeCommand, decodeReturns, encodeCommand, encodeReturns } from '../../src-main/hci/command.ts';
import { decodeEvent, encodeEvent, type EventDef } from '../../src-main/hci/event.ts';
import { decodeL2cap, encodeL2cap } from '../../src-main/hci/l2cap-frame.ts';
import { decodePacket, encodePacket, type HciPacket } from '../../src-main/hci/packets.ts';
import { ALL_COMMANDS, ALL_EVENTS } from '../../src-main/hci/registry.ts';
import { decodeStruct, encodeStruct, sampleStruct, type Spec } from '../../src-main/hci/struct.ts';

/** A small deterministic PRNG (an LCG), so a failure reproduces. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 8) / 0x1000000;
  };
}

const SAMPLES = 100;
/** Samples whose every prefix is also decoded. */
const CUT_SAMPLES = 20;

/** Decodes `bytes` and reports how it went: a value, or the DecodeError; anything else fails the test. */
function attempt(decode: () => unknown): DecodeError | 'decoded' {
  try {
    decode();
    return 'decoded';
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
}

/** Round trip and malformed-input checks for one structure. */
function checkStruct(spec: Spec, encode: (v: ReturnType<typeof sampleStruct<Spec>>) => Uint8Array, decode: (b: Uint8Array) => unknown, seed: number): void {
  const rand = random(seed);
  for (let i = 0; i < SAMPLES; i++) {
    const v = sampleStruct(spec, rand);
    const bytes = encode(v);
    expect(decode(bytes)).toEqual(v);
    // Every prefix is cut short; one more octet is trailing.
    for (let n = 0; i < CUT_SAMPLES && n < bytes.length; n++) {
      const r = attempt(() => decode(bytes.subarray(0, n)));
      if (r !== 'decoded') {
        expect(r.layer).toBe('hci');
        expect(r.offset).toBeLessThanOrEqual(n);
      }
    }
    const longer = Uint8Array.from([...bytes, 0]);
    const r = attempt(() => decode(longer));
    if (r !== 'decoded') expect(r.offset).toBeLessThanOrEqual(bytes.length);
    // Random octets of a random length either decode or throw DecodeError.
    attempt(() => decode(Uint8Array.from({ length: Math.floor(rand() * 70) }, () => Math.floor(rand() * 256))));
  }
}

describe('commands: decode(encode(params)) == params, and decode(encode(returns)) == returns', () => {
  it('covers every command defined', () => {
    expect(ALL_COMMANDS.length).toBeGreaterThanOrEqual(40);
    expect(new Set(ALL_COMMANDS.map((c) => c.opcode)).size).toBe(ALL_COMMANDS.length);
  });

  it.each(ALL_COMMANDS.map((c) => [`${c.section} ${c.name}`, c] as const))('%s', (_name, def) => {
    checkStruct(def.params, (v) => encodeCommand(def, v).params, (b) => decodeCommand(def, b), def.opcode);
    checkStruct(def.returns, (v) => encodeReturns(def, v), (b) => decodeReturns(def, b), def.opcode + 1);
    if (def.answer === 'status') expect(Object.keys(def.returns)).toEqual([]);
  });
});

describe('events: decode(encode(fields)) == fields', () => {
  it.each(ALL_EVENTS.map((e): [string, EventDef] => [`${e.section} ${e.name}`, e]))('%s', (_name, def) => {
    checkStruct(def.fields, (v) => encodeEvent(def, v).params, (b) => decodeEvent(def, { kind: 'event', code: def.code, params: b }), def.code * 256 + (def.subevent ?? 0));
    const v = sampleStruct(def.fields, random(1));
    expect(def.parse(encodeEvent(def, v))).toEqual({ event: def.name, ...v });
  });
});

describe('H4 packets (Core 5.4 Vol 4 Part E 5.4) and L2CAP B-frames (Vol 3 Part A 3.1)', () => {
  it('round-trip, and every cut or random packet gives DecodeError in layer h4', () => {
    const rand = random(7);
    const octets = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
    for (let i = 0; i < SAMPLES; i++) {
      const packets: HciPacket[] = [
        { kind: 'command', opcode: Math.floor(rand() * 0x10000), params: octets(Math.floor(rand() * 40)) },
        { kind: 'event', code: Math.floor(rand() * 256), params: octets(Math.floor(rand() * 40)) },
        { kind: 'acl', handle: Math.floor(rand() * 0x1000), pb: Math.floor(rand() * 4), bc: Math.floor(rand() * 4), data: octets(Math.floor(rand() * 40)) },
      ];
      for (const p of packets) {
        const bytes = encodePacket(p);
        expect(decodePacket(bytes)).toEqual(p);
        for (let n = 0; i < CUT_SAMPLES && n < bytes.length; n++) {
          const r = attempt(() => decodePacket(bytes.subarray(0, n)));
          expect(r).toBeInstanceOf(DecodeError);
          if (r !== 'decoded') expect(r).toMatchObject({ layer: 'h4' });
        }
      }
      const frame = { cid: Math.floor(rand() * 0x10000), payload: octets(Math.floor(rand() * 40)) };
      expect(decodeL2cap(encodeL2cap(frame))).toEqual(frame);
      const r = attempt(() => decodeL2cap(octets(Math.floor(rand() * 10))));
      if (r !== 'decoded') expect(r.layer).toBe('l2cap');
      attempt(() => decodePacket(octets(Math.floor(rand() * 50))));
    }
  });
});

describe('field kinds', () => {
  it('a struct of every kind round-trips through the generic codec', async () => {
    const f = await import('../../src-main/hci/fields.ts');
    const s = await import('../../src-main/hci/struct.ts');
    const spec = {
      a: f.u8,
      b: f.u16,
      c: f.u24,
      d: f.i8,
      e: f.range(f.u8, 3, 9),
      h: f.handle,
      g: f.bool,
      o: f.octets(3),
      addr: f.address,
      s1: f.sized(1, 20),
      s2: f.sized(2),
      bits: f.bits16({ x: 3, y: 5, z: 8 }),
      l: s.list({ p: f.u8, q: f.sized(1) }),
      phys: s.perPhy([1, 2, 4], { w: f.u16 }),
      r: f.rest,
    };
    checkStruct(spec, (v) => encodeStruct(spec, v), (b) => decodeStruct(spec, b), 99);
  });
});
