import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src-main/hci/bytes.ts';
import * as C from '../../src-main/hci/constants.ts';
import { decodePacket } from '../../src-main/hci/packets.ts';
import { describeFramerError, H4Framer, type FramerError, type FramerOutput } from '../../src-main/hci/h4-framer.ts';

// The controller side of the transport: it accepts commands and ACL data from the host.
const controllerSide = (maxAclLength = 251): H4Framer =>
  new H4Framer({ accept: [C.HCI_COMMAND_PKT, C.HCI_ACLDATA_PKT], maxAclLength });

/** mulberry32: a small seeded PRNG so every random test reproduces. */
function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % n);
  };
}

const packetsOf = (out: FramerOutput[]): string[] => out.flatMap((o) => (o.kind === 'packet' ? [toHex(o.bytes)] : []));
const errorsOf = (out: FramerOutput[]): FramerError[] => out.flatMap((o) => (o.kind === 'error' ? [o.error] : []));
const concat = (parts: Uint8Array[]): Uint8Array => {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (all.set(p, at), at + p.length), 0);
  return all;
};

const RESET = '01030c00'; // zero-length command
const SCAN_PARAMS = '010b2007' + '01100010000000'; // LE Set Scan Parameters, 7 octets
const ACL_MTU = '0240200700' + '03000400021700'; // ATT Exchange MTU Request on handle 0x0040
const ACL_MAX = '024020fb00' + 'ab'.repeat(251); // exactly maxAclLength
const ACL_EMPTY = '0240100000'; // continuing fragment, no data
const STREAM = [RESET, SCAN_PARAMS, ACL_MTU, ACL_MAX, RESET, ACL_EMPTY, SCAN_PARAMS];

describe('H4Framer framing', () => {
  it('frames a zero-length command as soon as its length octet arrives', () => {
    const f = controllerSide();
    expect(f.push(fromHex('01 03 0c'))).toEqual([]);
    expect(f.partial).toBe(true);
    expect(packetsOf(f.push(fromHex('00')))).toEqual([RESET]);
    expect(f.partial).toBe(false);
  });

  it('frames several packets from one chunk', () => {
    const out = controllerSide().push(fromHex(STREAM.join('')));
    expect(errorsOf(out)).toEqual([]);
    expect(packetsOf(out)).toEqual(STREAM);
  });

  it('frames packets fed one byte at a time', () => {
    const f = controllerSide();
    const out = Array.from(fromHex(STREAM.join(''))).flatMap((b) => f.push(Uint8Array.of(b)));
    expect(packetsOf(out)).toEqual(STREAM);
    expect(errorsOf(out)).toEqual([]);
    expect(f.partial).toBe(false);
  });

  it('frames packets split at random chunk boundaries (50 seeds)', () => {
    const stream = fromHex(STREAM.join(''));
    for (let seed = 1; seed <= 50; seed++) {
      const rand = prng(seed);
      const f = controllerSide();
      const out: FramerOutput[] = [];
      for (let i = 0; i < stream.length; ) {
        const n = rand(40); // includes empty chunks
        out.push(...f.push(stream.subarray(i, i + n)));
        i += n;
      }
      expect(packetsOf(out), `seed ${seed}`).toEqual(STREAM);
      expect(errorsOf(out), `seed ${seed}`).toEqual([]);
    }
  });

  it('returns packets that do not alias the input chunk', () => {
    const chunk = fromHex(SCAN_PARAMS);
    const [out] = controllerSide().push(chunk);
    chunk.fill(0xee);
    expect(out?.kind === 'packet' && toHex(out.bytes)).toBe(SCAN_PARAMS);
  });

  it('frames events, host side, including a 255-octet one', () => {
    const f = new H4Framer({ accept: [C.HCI_EVENT_PKT, C.HCI_ACLDATA_PKT], maxAclLength: 27 });
    const big = '043eff' + '00'.repeat(255);
    expect(packetsOf(f.push(fromHex(`04 0e 04 01 03 0c 00 ${big} 04 0e 00`)))).toEqual(['040e0401030c00', big, '040e00']);
  });

  it('reads the ISO length as 14 bits, ignoring the top two RFU bits', () => {
    const f = new H4Framer({ accept: [C.HCI_ISODATA_PKT], maxAclLength: 27 });
    expect(packetsOf(f.push(fromHex('05 40 00 02 c0 aa bb 05 41 00 00 00')))).toEqual(['05400002c0aabb', '0541000000']);
  });
});

describe('H4Framer errors', () => {
  it('reports garbage before and between packets as bad-indicator and still frames what follows', () => {
    const f = controllerSide();
    // 0x04 (event) and 0x00 are not accepted from a host; 0xff never is.
    const out = f.push(fromHex(`ff 00 ${RESET} 04 0e ${SCAN_PARAMS}`));
    expect(out.map((o) => o.kind)).toEqual(['error', 'error', 'packet', 'error', 'error', 'packet']);
    expect(errorsOf(out)).toEqual([0xff, 0x00, 0x04, 0x0e].map((octet) => ({ kind: 'bad-indicator', octet })));
    expect(packetsOf(out)).toEqual([RESET, SCAN_PARAMS]);
  });

  it('reports an ACL header claiming more than maxAclLength as too-long, then resynchronises', () => {
    const f = controllerSide(251);
    const out = f.push(fromHex(`02 40 20 fc 00 ${RESET}`));
    expect(errorsOf(out)).toEqual([{ kind: 'too-long', indicator: C.HCI_ACLDATA_PKT, length: 252 }]);
    expect(packetsOf(out)).toEqual([RESET]);
    expect(f.partial).toBe(false);
  });

  it('accepts an ACL payload of exactly maxAclLength', () => {
    const f = controllerSide(251);
    expect(packetsOf(f.push(fromHex(ACL_MAX)))).toEqual([ACL_MAX]);
    expect(errorsOf(controllerSide(250).push(fromHex(ACL_MAX.slice(0, 10))))).toEqual([
      { kind: 'too-long', indicator: 2, length: 251 },
    ]);
  });

  it('flushPartial reports a half packet as truncated, and the next packet frames correctly', () => {
    const f = controllerSide();
    expect(f.flushPartial()).toBeNull();
    f.push(fromHex(SCAN_PARAMS.slice(0, 12))); // indicator, 3 header octets, 2 of 7 parameter octets
    expect(f.partial).toBe(true);
    expect(f.flushPartial()).toEqual({ kind: 'truncated', indicator: C.HCI_COMMAND_PKT, have: 6, want: 11 });
    expect(f.partial).toBe(false);
    expect(f.flushPartial()).toBeNull();
    const out = f.push(fromHex(ACL_MTU));
    expect(packetsOf(out)).toEqual([ACL_MTU]);
    expect(errorsOf(out)).toEqual([]);
  });

  it('flushPartial inside a header reports the header length wanted', () => {
    const f = controllerSide();
    f.push(fromHex('02 40'));
    expect(f.flushPartial()).toEqual({ kind: 'truncated', indicator: C.HCI_ACLDATA_PKT, have: 2, want: 5 });
    f.push(fromHex('01'));
    expect(f.flushPartial()).toEqual({ kind: 'truncated', indicator: C.HCI_COMMAND_PKT, have: 1, want: 4 });
    expect(packetsOf(f.push(fromHex(RESET)))).toEqual([RESET]);
  });

  it('describeFramerError reads as a sentence with hex indicators', () => {
    expect(describeFramerError({ kind: 'bad-indicator', octet: 0x0e })).toBe('unknown H4 packet indicator 0x0e skipped');
    expect(describeFramerError({ kind: 'too-long', indicator: 2, length: 252 })).toBe(
      'packet type 0x2 claims 252 octets, over the buffer size; header skipped',
    );
    expect(describeFramerError({ kind: 'truncated', indicator: 1, have: 6, want: 11 })).toBe(
      'packet type 0x1 stalled at 6 of 11 octets; dropped',
    );
  });
});

describe('H4Framer fuzz', () => {
  const command = (rand: (n: number) => number): Uint8Array => {
    const params = Uint8Array.from({ length: rand(12) }, () => rand(256));
    return concat([Uint8Array.of(C.HCI_COMMAND_PKT, rand(256), rand(256), params.length), params]);
  };
  const garbage = (rand: (n: number) => number): Uint8Array => Uint8Array.from({ length: rand(32) }, () => rand(256));

  it('never throws on 2000 random chunks interleaved with commands, and every packet it emits is well formed', () => {
    const rand = prng(0xc0ffee);
    const maxAclLength = 64;
    const f = controllerSide(maxAclLength);
    let packets = 0;
    const errorKinds = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const chunk = i % 3 === 0 ? concat([garbage(rand), command(rand)]) : garbage(rand);
      let out: FramerOutput[] = [];
      expect(() => (out = f.push(chunk))).not.toThrow();
      for (const o of out) {
        if (o.kind === 'error') {
          errorKinds.add(o.error.kind);
          continue;
        }
        packets++;
        const p = decodePacket(o.bytes); // throws if the framed length disagrees with the header
        if (p.kind === 'acl' && p.data.length > maxAclLength) throw new Error(`ACL of ${p.data.length} octets framed`);
      }
      if (i % 97 === 0) f.flushPartial();
    }
    expect([...errorKinds].sort()).toEqual(['bad-indicator', 'too-long']);
    expect(packets).toBeGreaterThan(100);
  });

  it('after flushPartial, each valid command following garbage comes out intact', () => {
    const rand = prng(42);
    const f = controllerSide();
    for (let i = 0; i < 2000; i++) {
      f.push(garbage(rand));
      f.flushPartial();
      const cmd = command(rand);
      // Split the command at a random point to exercise partial headers and bodies.
      const cut = rand(cmd.length + 1);
      const out = [...f.push(cmd.subarray(0, cut)), ...f.push(cmd.subarray(cut))];
      expect(out, `iteration ${i}`).toEqual([{ kind: 'packet', bytes: cmd }]);
    }
  });
});
