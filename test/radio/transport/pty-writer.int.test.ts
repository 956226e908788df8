// Writing to a host that reads slowly or not at all: a real pty whose slave end the test opens,
// reads late, or never reads. Nothing may block or spin the event loop; everything under the
// bound arrives whole and in order; past it, whole packets are dropped, counted and reported.
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tty from 'node:tty';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PtyPort } from '../../../src-main/radio/transport/pty.ts';
import type { PtyWriterStats } from '../../../src-main/radio/transport/pty-writer.ts';

const PACKET_LENGTH = 100;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A 100-octet packet that says which one it is. */
function packet(seq: number): Uint8Array {
  const p = new Uint8Array(PACKET_LENGTH).fill(seq & 0xff);
  new DataView(p.buffer).setUint32(0, seq);
  return p;
}

/** The sequence numbers in `bytes`, checking that each packet arrived whole. */
function sequences(bytes: Buffer): number[] {
  expect(bytes.length % PACKET_LENGTH).toBe(0);
  const out: number[] = [];
  for (let at = 0; at < bytes.length; at += PACKET_LENGTH) {
    const seq = bytes.readUInt32BE(at);
    expect(bytes.subarray(at + 4, at + PACKET_LENGTH).every((b) => b === (seq & 0xff))).toBe(true);
    out.push(seq);
  }
  return out;
}

/** Opens the host end and reads everything into one buffer. */
function reader(link: string): { bytes(): Buffer; close(): void } {
  const stream = new tty.ReadStream(openSync(link, 'r+'));
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('error', () => undefined);
  return { bytes: () => Buffer.concat(chunks), close: () => stream.destroy() };
}

/** Event-loop lag and CPU while `during` runs: a 10 ms timer's worst lateness, CPU ms per wall s. */
async function measure(during: () => Promise<void>): Promise<{ worstLagMs: number; ticks: number; cpuShare: number }> {
  let last = performance.now();
  let worstLagMs = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worstLagMs = Math.max(worstLagMs, now - last - 10);
    last = now;
    ticks++;
  }, 10);
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  await during();
  const cpu = process.cpuUsage(cpu0);
  clearInterval(timer);
  return { worstLagMs, ticks, cpuShare: (cpu.user + cpu.system) / 1000 / (performance.now() - wall0) };
}

let dir: string;
let ports: PtyPort[];
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'picolink-pty-writer-'));
  ports = [];
});
afterEach(() => {
  for (const p of ports) p.close();
  rmSync(dir, { recursive: true, force: true });
});

function open(options: ConstructorParameters<typeof PtyPort>[1] = {}): { port: PtyPort; link: string } {
  const link = path.join(dir, `h${ports.length}`);
  const port = new PtyPort(link, options);
  ports.push(port);
  return { port, link };
}

describe.skipIf(process.platform === 'win32')('writing to a pty host', () => {
  it('queues for a host that reads late and delivers every packet whole and in order', async () => {
    const { port, link } = open();
    // 200 KB: about three times what the kernel holds for a host that does not read.
    const count = 2_000;
    for (let i = 0; i < count; i++) port.write(packet(i));
    expect(port.backlog.queuedBytes).toBeGreaterThan(0);
    await sleep(100);
    const host = reader(link);
    try {
      await expect.poll(() => host.bytes().length, { timeout: 4_000, interval: 10 }).toBeGreaterThanOrEqual(count * PACKET_LENGTH);
      expect(sequences(host.bytes())).toEqual(Array.from({ length: count }, (_, i) => i));
      expect(port.backlog).toEqual({ queuedBytes: 0, droppedPackets: 0, droppedBytes: 0 });
    } finally {
      host.close();
    }
  });

  it('a host that stops reading: timers keep firing, CPU stays low, whole packets are dropped past the bound', async () => {
    const reports: [boolean, PtyWriterStats][] = [];
    const { port, link } = open({ maxQueuedBytes: 16 * 1024, onBacklog: (dropping, stats) => reports.push([dropping, stats]) });
    // The host has the port open and never reads, as one that hangs.
    const fd = openSync(link, 'r+');
    let seq = 0;
    let figures: Awaited<ReturnType<typeof measure>>;
    try {
      figures = await measure(async () => {
        // 40 packets every 5 ms for 1.5 s: 1.2 MB, far past the kernel's buffer and the bound.
        const traffic = setInterval(() => {
          for (let i = 0; i < 40; i++) port.write(packet(seq++));
        }, 5);
        await sleep(1_500);
        clearInterval(traffic);
        // Then nothing more to send, still nobody reading: the writer only retries, slowly.
        await sleep(1_000);
      });
    } finally {
      closeSync(fd);
    }
    // Before the fix libuv retried EAGAIN in a loop inside one write: no timer ran at all.
    expect(figures.ticks).toBeGreaterThan(100);
    expect(figures.worstLagMs).toBeLessThan(250);
    expect(figures.cpuShare).toBeLessThan(0.3);
    const stats = port.backlog;
    expect(stats.queuedBytes).toBeLessThanOrEqual(16 * 1024);
    expect(stats.droppedPackets).toBeGreaterThan(1_000);
    expect(stats.droppedBytes).toBe(stats.droppedPackets * PACKET_LENGTH);
    expect(reports).toHaveLength(1);
    expect(reports[0]![0]).toBe(true);

    // A host reading again gets whole packets in order (with a gap where they were dropped), and
    // the recovery is reported with the count.
    const host = reader(link);
    try {
      await expect.poll(() => port.backlog.queuedBytes, { timeout: 4_000, interval: 10 }).toBe(0);
      await sleep(50);
      const got = sequences(host.bytes());
      expect(got.length + stats.droppedPackets).toBe(seq);
      for (let i = 1; i < got.length; i++) expect(got[i]!).toBeGreaterThan(got[i - 1]!);
      expect(reports.map(([dropping]) => dropping)).toEqual([true, false]);
      expect(reports[1]![1].droppedPackets).toBe(stats.droppedPackets);
    } finally {
      host.close();
    }
  });

  it('close() with a backlog stops retrying and sends nothing more', async () => {
    const { port, link } = open();
    for (let i = 0; i < 2_000; i++) port.write(packet(i));
    port.close();
    port.write(packet(9_999));
    expect(port.backlog.queuedBytes).toBe(0);
    const figures = await measure(() => sleep(300));
    expect(figures.ticks).toBeGreaterThan(15);
    expect(() => openSync(link, 'r+')).toThrow(/ENOENT/);
  });
});
