import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BtsnoopWriter, type Direction } from '../../src-main/radio/btsnoop.ts';
import { fromHex, toHex } from '../../src-main/hci/bytes.ts';
import { Radio } from '../../src-main/radio/radio.ts';

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
const readers: ChildProcess[] = [];
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'picolink-btsnoop-'));
  file = path.join(dir, 'cap.btsnoop');
});
afterEach(() => {
  for (const r of readers.splice(0)) {
    if (r.exitCode !== null || r.signalCode !== null) continue;
    try {
      process.kill(-r.pid!, 'SIGKILL');
    } catch {
      // ended by itself
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

/**
 * A FIFO at `fifo` whose reader opens it at once and reads nothing for `stallMs`, then copies it
 * all to `out`: a capture sink that stalls, as a busy disk or a Wireshark reading live can.
 */
function stalledSink(fifo: string, out: string, stallMs: number): Promise<void> {
  execFileSync('mkfifo', [fifo]);
  const reader = spawn('/bin/sh', ['-c', 'exec 3< "$0"; sleep "$1"; exec cat <&3 > "$2"', fifo, String(stallMs / 1000), out], { stdio: 'ignore', detached: true });
  readers.push(reader);
  return new Promise((resolve) => reader.once('exit', () => resolve()));
}

const T0 = Date.UTC(2024, 0, 2, 3, 4, 5, 678);

describe('BtsnoopWriter', () => {
  it('creates the file at once and writes the 16-byte header', async () => {
    const w = new BtsnoopWriter(file);
    expect(() => readFileSync(file)).not.toThrow();
    await w.flush();
    expect(toHex(readFileSync(file))).toBe(HEADER_HEX);
    await w.close();
    expect(readFileSync(file).length).toBe(16);
  });

  it('fails at once, in the constructor, on a path it cannot create', () => {
    expect(() => new BtsnoopWriter(path.join(dir, 'no', 'such', 'dir.btsnoop'))).toThrow(/ENOENT/);
  });

  it('lays out a record: lengths, flags, drops, timestamp, then the H4 packet', async () => {
    const w = new BtsnoopWriter(file);
    w.record('host-to-controller', fromHex('01030c00'), T0);
    await w.close();
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
  ])('flags of %s: %s -> %i', async (_what, direction, hex, flags) => {
    const w = new BtsnoopWriter(file);
    w.record(direction, fromHex(hex), T0);
    await w.close();
    const [rec] = recordsOf(readFileSync(file));
    expect(rec).toMatchObject({ flags, originalLength: hex.length / 2, includedLength: hex.length / 2, drops: 0, packet: hex });
  });

  it('appends records in order', async () => {
    const w = new BtsnoopWriter(file);
    w.record('host-to-controller', fromHex('01030c00'), T0);
    w.record('controller-to-host', fromHex('040e0401030c00'), T0 + 1);
    w.record('controller-to-host', fromHex('02010005000100020004ff'), T0 + 2);
    await w.close();
    const recs = recordsOf(readFileSync(file));
    expect(recs.map((r) => [r.packet, r.flags])).toEqual([
      ['01030c00', 2],
      ['040e0401030c00', 3],
      ['02010005000100020004ff', 1],
    ]);
    expect(recs[1]!.timestampUs - recs[0]!.timestampUs).toBe(1000n);
  });

  it('1970-01-01T00:00:00Z is the epoch offset itself', async () => {
    const w = new BtsnoopWriter(file);
    w.record('host-to-controller', fromHex('01030c00'), 0);
    await w.close();
    expect(recordsOf(readFileSync(file))[0]!.timestampUs).toBe(EPOCH_OFFSET_US);
  });

  it('keeps microseconds of a fractional millisecond time', async () => {
    const w = new BtsnoopWriter(file);
    w.record('host-to-controller', fromHex('01030c00'), 1.5);
    w.record('host-to-controller', fromHex('01030c00'), T0 + 0.25);
    await w.close();
    const [a, b] = recordsOf(readFileSync(file));
    expect(a!.timestampUs).toBe(EPOCH_OFFSET_US + 1500n);
    expect(b!.timestampUs).toBe(EPOCH_OFFSET_US + BigInt(T0) * 1000n + 250n);
  });

  it('stamps the wall clock when no time is given', async () => {
    const w = new BtsnoopWriter(file);
    const before = BigInt(Date.now()) * 1000n + EPOCH_OFFSET_US;
    w.record('host-to-controller', fromHex('01030c00'));
    const after = BigInt(Date.now()) * 1000n + EPOCH_OFFSET_US;
    await w.close();
    const t = recordsOf(readFileSync(file))[0]!.timestampUs;
    expect(t >= before && t <= after).toBe(true);
  });

  it('writes only the bytes of a view into a larger buffer', async () => {
    const backing = fromHex('ffff01030c00ffff');
    const w = new BtsnoopWriter(file);
    w.record('host-to-controller', backing.subarray(2, 6), T0);
    await w.close();
    expect(recordsOf(readFileSync(file))[0]!.packet).toBe('01030c00');
  });

  it('ignores records after close, and a second close', async () => {
    const w = new BtsnoopWriter(file);
    w.record('host-to-controller', fromHex('01030c00'), T0);
    await w.close();
    w.record('controller-to-host', fromHex('040e0401030c00'), T0);
    await w.close();
    expect(recordsOf(readFileSync(file))).toHaveLength(1);
  });

  it('truncates a file that exists already', async () => {
    const w1 = new BtsnoopWriter(file);
    w1.record('host-to-controller', fromHex('01030c00'), T0);
    await w1.close();
    await new BtsnoopWriter(file).close();
    expect(toHex(readFileSync(file))).toBe(HEADER_HEX);
  });

  it('close() writes every record still queued before it closes the file', async () => {
    const w = new BtsnoopWriter(file);
    for (let i = 0; i < 10_000; i++) w.record('controller-to-host', fromHex(`040e0401${(i & 0xffff).toString(16).padStart(4, '0')}00`), T0 + i);
    await w.close();
    const recs = recordsOf(readFileSync(file));
    expect(recs).toHaveLength(10_000);
    expect(recs.at(-1)!.packet).toBe(`040e0401${(9_999).toString(16).padStart(4, '0')}00`);
  });

  it('record() never waits for the disk: a sink that stalls for 1.5 s costs it nothing', async () => {
    const fifo = path.join(dir, 'live.btsnoop');
    const out = path.join(dir, 'copy.btsnoop');
    const drained = stalledSink(fifo, out, 1_500);
    const w = new BtsnoopWriter(fifo);
    // 400 KB, six times what a pipe holds: a synchronous write would wait for the reader here.
    const t0 = performance.now();
    for (let i = 0; i < 4_000; i++) w.record('controller-to-host', new Uint8Array(76).fill(i & 0xff), T0 + i);
    expect(performance.now() - t0).toBeLessThan(500);
    await w.close();
    await drained;
    const recs = recordsOf(readFileSync(out));
    expect(recs).toHaveLength(4_000);
    expect(recs.every((r, i) => r.packet === toHex(new Uint8Array(76).fill(i & 0xff)) && r.drops === 0)).toBe(true);
  });

  it('a failed write (a full disk) stops the capture with one report; nothing is thrown', async () => {
    const errors: Error[] = [];
    const w = new BtsnoopWriter('/dev/full', { onError: (e) => errors.push(e) });
    w.record('host-to-controller', fromHex('01030c00'), T0);
    await w.flush();
    expect(() => w.record('host-to-controller', fromHex('01030c00'), T0)).not.toThrow();
    await w.close();
    expect(errors.map((e) => (e as NodeJS.ErrnoException).code)).toEqual(['ENOSPC']);
  });

  it('past its bound it drops records and counts them in the cumulative drops field', async () => {
    const w = new BtsnoopWriter(file, { maxPendingBytes: 16 + 10 * (24 + 4) });
    for (let i = 0; i < 25; i++) w.record('host-to-controller', fromHex('01030c00'), T0 + i);
    expect(w.dropped).toBe(15);
    await w.flush();
    w.record('host-to-controller', fromHex('01030c00'), T0 + 100);
    await w.close();
    const recs = recordsOf(readFileSync(file));
    expect(recs.map((r) => r.drops)).toEqual([...Array(10).fill(0), 15]);
  });
});

describe('the radio with a capture sink that stalls', () => {
  it('answers its host without waiting for the capture', async () => {
    const out = path.join(dir, 'copy.btsnoop');
    // The radio names each node's capture FILE-<node>.btsnoop.
    const drained = stalledSink(path.join(dir, 'cap-hci0.btsnoop'), out, 2_000);
    const radio = new Radio({ btsnoop: file });
    radio.addNode();
    const host = radio.attachInProcess('hci0');
    let received = 0;
    host.onReceive((bytes) => (received += bytes.length));
    const t0 = performance.now();
    // 3,000 Read_BD_ADDR: each makes 4 + 13 octets of traffic and 65 of capture, 195 KB in all.
    for (let i = 0; i < 3_000; i++) host.send(fromHex('01091000'));
    await expect.poll(() => received, { timeout: 5_000, interval: 5 }).toBeGreaterThanOrEqual(3_000 * 13);
    expect(received).toBe(3_000 * 13);
    expect(performance.now() - t0).toBeLessThan(1_000);
    await radio.close();
    await drained;
    const recs = recordsOf(readFileSync(out));
    expect(recs.filter((r) => r.flags === 3)).toHaveLength(3_000);
  });
});
