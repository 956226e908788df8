// Garbage on the HCI transport (random octets, truncated packets, wrong lengths) is reported,
// the stream resynchronises, and the radio goes on answering: over a real pty and in process.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { Radio, type RadioReport } from '../../../src-main/radio/radio.ts';
import { openPtyHost } from '../../../src-main/radio/transport/pty-host.ts';

const RESET = Buffer.from('01030c00', 'hex');
const RESET_COMPLETE = Buffer.from('040e0401030c00', 'hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let radio: Radio;
let errors: RadioReport[];
let dir: string;
beforeEach(() => {
  radio = new Radio();
  errors = [];
  radio.on('error', (e) => errors.push(e));
  dir = mkdtempSync(path.join(tmpdir(), 'picolink-garbage-'));
});
afterEach(async () => {
  await radio.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A host on the pty: raw octets out, everything received kept. */
function openHost(linkPath: string) {
  const end = openPtyHost(linkPath);
  let received = Buffer.alloc(0);
  end.onReceive((d) => (received = Buffer.concat([received, d])));
  return {
    write: (b: Uint8Array) => end.send(b),
    received: () => received,
    clear: () => (received = Buffer.alloc(0)),
    close: () => end.close(),
  };
}

async function expectResetAnswered(host: ReturnType<typeof openHost>): Promise<void> {
  host.clear();
  host.write(RESET);
  await vi.waitFor(() => expect(host.received().includes(RESET_COMPLETE), `received ${host.received().toString('hex')}`).toBe(true), { timeout: 2_000, interval: 10 });
}

it('reports garbage over a pty and resynchronises on the next packet', async () => {
  radio.addNode({ name: 'n' });
  radio.attachPty('n', path.join(dir, 'n'));
  const host = openHost(path.join(dir, 'n'));
  try {
    await expectResetAnswered(host);
    // Octets that are no packet indicator at all.
    host.write(Buffer.from([0x00, 0xff, 0x42, 0x99]));
    await expectResetAnswered(host);
    expect(errors.filter((e) => e.kind === 'transport-error').length).toBe(4);
    // A truncated command (says 10 parameter octets, brings 2), then silence: dropped after the idle gap.
    host.write(Buffer.from('01060c0a0102', 'hex'));
    await sleep(250);
    await expectResetAnswered(host);
    expect(errors.some((e) => e.message.includes('stalled'))).toBe(true);
    // A known command with the wrong parameter length gets Invalid HCI Command Parameters (0x12).
    host.clear();
    host.write(Buffer.from('010b200301 0203'.replace(/ /g, ''), 'hex'));
    await expect.poll(() => host.received().subarray(0, 7).toString('hex'), { timeout: 1_000, interval: 10 }).toBe('040e04010b2012');
    // An ACL header longer than the controller's buffers is refused, not waited for.
    host.write(Buffer.from('024000ff0f', 'hex'));
    await expectResetAnswered(host);
    expect(errors.some((e) => e.message.includes('over the buffer size'))).toBe(true);
    // ACL for a connection that does not exist is reported and dropped.
    host.write(Buffer.from('0240000500010004000a', 'hex'));
    await expectResetAnswered(host);
    expect(errors.some((e) => e.message.includes('unknown handle'))).toBe(true);
  } finally {
    host.close();
  }
});

it('survives a stream of random octets and still answers afterwards', async () => {
  radio.addNode({ name: 'n' });
  radio.attachPty('n', path.join(dir, 'n'));
  const host = openHost(path.join(dir, 'n'));
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000);
  try {
    for (let i = 0; i < 200; i++) {
      host.write(Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 64) }, () => Math.floor(rand() * 256))));
      if (i % 20 === 0) await sleep(5);
    }
    await sleep(250); // let any stalled partial packet be flushed
    await expectResetAnswered(host);
    expect(errors.length).toBeGreaterThan(0);
  } finally {
    host.close();
  }
});

it('handles garbage from an in-process host the same way', async () => {
  radio.addNode({ name: 'n' });
  const host = radio.attachInProcess('n');
  let received = Buffer.alloc(0);
  host.onReceive((b) => (received = Buffer.concat([received, b])));
  host.send(Buffer.from([0x07, 0x08, 0x09]));
  host.send(RESET);
  await expect.poll(() => received.includes(RESET_COMPLETE), { message: 'Command Complete (Reset) received', timeout: 20, interval: 5 }).toBe(true);
  expect(errors.length).toBe(3);
});
