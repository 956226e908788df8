import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BtsnoopWriter, type Direction } from '../../src-main/radio/btsnoop.ts';
import { fromHex, toHex } from '../../src-main/radio/hci/bytes.ts';

/** Microseconds from 0000-01-01 to 1970-01-01 (what Wireshark's btsnoop reader subtracts). */
const EPOCH_OFFSET_US = 0x00dcddb30f2f8000n;
const HEADER_HEX = '6274736e6f6f7000' + '00000001' + '000003ea'; // "btsnoop\0", version 1, datalink 1002

interface SnoopRecord {
  originalLength: number;
  includedLength: number;
  flags: number;
  drops: number;
  timestampUs: bigint;
  packet: string;
}

/** Parses the records after the 16-byte file header. */
function recordsOf(file: Buffer): SnoopRecord[] {
  const out: SnoopRecord[] = [];
  let at = 16;
  while (at < file.length) {
    const includedLength = file.readUInt32BE(at + 4);
    out.push({
      originalLength: file.readUInt32BE(at),
      includedLength,
      flags: file.readUInt32BE(at + 8),
      drops: file.readUInt32BE(at + 12),
      timestampUs: file.readBigUInt64BE(at + 16),
      packet: toHex(file.subarray(at + 24, at + 24 + includedLength)),
    });
    at += 24 + includedLength;
  }
  expect(at).toBe(file.length); // no trailing partial record
  return out;
}

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'picolink-btsnoop-'));
  file = path.join(dir, 'cap.btsnoop');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const T0 = Date.UTC(2024, 0, 2, 3, 4, 5, 678);

describe('BtsnoopWriter', () => {
  it('writes the 16-byte header as soon as it opens', () => {
    const w = new BtsnoopWriter(file);
    expect(toHex(readFileSync(file))).toBe(HEADER_HEX);
    w.close();
    expect(readFileSync(file).length).toBe(16);
  });

  it('lays out a record: lengths, flags, drops, timestamp, then the H4 packet', () => {
    const w = new BtsnoopWriter(file);
    w.record('host-to-controller', fromHex('01030c00'), T0);
    w.close();
    const bytes = readFileSync(file);
    expect(bytes.length).toBe(16 + 24 + 4);
    const expected = BigInt(T0) * 1000n + EPOCH_OFFSET_US;
    expect(toHex(bytes.subarray(16))).toBe('00000004' + '00000004' + '00000002' + '00000000' + expected.toString(16).padStart(16, '0') + '01030c00');
  });

  it.each<[string, Direction, string, number]>([
    ['command', 'host-to-controller', '01030c00', 2],
    ['event', 'controller-to-host', '040e0401030c00', 3],
    ['ACL data sent', 'host-to-controller', '0240000500010002000400', 0],
    ['ACL data received', 'controller-to-host', '0240200500010002000400', 1],
    ['SCO data received', 'controller-to-host', '030000020102', 1],
    ['ISO data sent', 'host-to-controller', '05000004000102030405', 0],
  ])('flags of %s: %s -> %i', (_what, direction, hex, flags) => {
    const w = new BtsnoopWriter(file);
    w.record(direction, fromHex(hex), T0);
    w.close();
    const [rec] = recordsOf(readFileSync(file));
    expect(rec).toMatchObject({ flags, originalLength: hex.length / 2, includedLength: hex.length / 2, drops: 0, packet: hex });
  });

  it('appends records in order', () => {
    const w = new BtsnoopWriter(file);
    w.record('host-to-controller', fromHex('01030c00'), T0);
    w.record('controller-to-host', fromHex('040e0401030c00'), T0 + 1);
    w.record('controller-to-host', fromHex('02010005000100020004ff'), T0 + 2);
    w.close();
    const recs = recordsOf(readFileSync(file));
    expect(recs.map((r) => [r.packet, r.flags])).toEqual([
      ['01030c00', 2],
      ['040e0401030c00', 3],
      ['02010005000100020004ff', 1],
    ]);
    expect(recs[1]!.timestampUs - recs[0]!.timestampUs).toBe(1000n);
  });

  it('1970-01-01T00:00:00Z is the epoch offset itself', () => {
    const w = new BtsnoopWriter(file);
    w.record('host-to-controller', fromHex('01030c00'), 0);
    w.close();
    expect(recordsOf(readFileSync(file))[0]!.timestampUs).toBe(EPOCH_OFFSET_US);
  });

  it('keeps microseconds of a fractional millisecond time', () => {
    const w = new BtsnoopWriter(file);
    w.record('host-to-controller', fromHex('01030c00'), 1.5);
    w.record('host-to-controller', fromHex('01030c00'), T0 + 0.25);
    w.close();
    const [a, b] = recordsOf(readFileSync(file));
    expect(a!.timestampUs).toBe(EPOCH_OFFSET_US + 1500n);
    expect(b!.timestampUs).toBe(EPOCH_OFFSET_US + BigInt(T0) * 1000n + 250n);
  });

  it('stamps the wall clock when no time is given', () => {
    const w = new BtsnoopWriter(file);
    const before = BigInt(Date.now()) * 1000n + EPOCH_OFFSET_US;
    w.record('host-to-controller', fromHex('01030c00'));
    const after = BigInt(Date.now()) * 1000n + EPOCH_OFFSET_US;
    w.close();
    const t = recordsOf(readFileSync(file))[0]!.timestampUs;
    expect(t >= before && t <= after).toBe(true);
  });

  it('writes only the bytes of a view into a larger buffer', () => {
    const backing = fromHex('ffff01030c00ffff');
    const w = new BtsnoopWriter(file);
    w.record('host-to-controller', backing.subarray(2, 6), T0);
    w.close();
    expect(recordsOf(readFileSync(file))[0]!.packet).toBe('01030c00');
  });

  it('ignores records after close, and a second close', () => {
    const w = new BtsnoopWriter(file);
    w.record('host-to-controller', fromHex('01030c00'), T0);
    w.close();
    w.record('controller-to-host', fromHex('040e0401030c00'), T0);
    w.close();
    expect(recordsOf(readFileSync(file))).toHaveLength(1);
  });

  it('truncates a file that exists already', () => {
    const w1 = new BtsnoopWriter(file);
    w1.record('host-to-controller', fromHex('01030c00'), T0);
    w1.close();
    new BtsnoopWriter(file).close();
    expect(toHex(readFileSync(file))).toBe(HEADER_HEX);
  });
});
