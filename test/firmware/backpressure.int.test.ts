// send() applies backpressure end to end (docs/PROTOCOL.md section 5): while the receiving app
// reads nothing, the sender stops after one window of frames; nothing is dropped; once the app
// reads, every message arrives, in order. And firmware/package.json lists what mip installs.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Bench, faults, FIRMWARE_DIR, firmware, line } from './harness.ts';

let bench: Bench;
beforeEach(() => {
  bench = new Bench();
});
afterEach(async () => {
  await bench.close();
});

it('a sender waits while the receiving app is behind, then every message arrives in order', async () => {
  const periph = bench.pico('periph', firmware({ ROLE: 'peripheral', NAME: 'pl-bp', APP: 'bp' }, 'firmware-backpressure'));
  const central = bench.pico('central', firmware({ ROLE: 'central', NAME: 'pl-c', PEER: 'pl-bp', APP: 'bp' }, 'firmware-backpressure'));
  await periph.powerOn();
  await central.powerOn();
  await line(central, /^reading$/, 20_000);
  // A window is 16 frames: at most "sent 10" can have been printed while nothing was read.
  const sentBefore = periph.console.filter((l) => l.startsWith('sent ')).map((l) => Number(l.split(' ')[1]));
  expect(sentBefore.length).toBeGreaterThan(0);
  expect(Math.max(...sentBefore)).toBeLessThanOrEqual(10);
  expect(periph.console).not.toContain('all sent');
  const r = await line(central, /^received /, 20_000).catch((e) => { console.log('PERIPH', periph.console.join('|')); console.log('CENTRAL', central.console.join('|')); throw e; });
  expect(r).toBe('received 60 in order True');
  await line(periph, /^all sent$/, 10_000);
  expect([...faults(periph), ...faults(central)]).toEqual([]);
}, 45_000);

it('firmware/package.json lists every file of the firmware, so mip installs the whole of it', () => {
  const pkg = JSON.parse(readFileSync(path.join(FIRMWARE_DIR, 'package.json'), 'utf8')) as { urls: [string, string][]; version: string };
  const listed = pkg.urls.map(([dest, src]) => {
    expect(src).toBe(dest); // relative URLs: mip fetches them beside package.json
    return dest;
  });
  const onDisk: string[] = [];
  const walk = (rel: string): void => {
    for (const e of readdirSync(path.join(FIRMWARE_DIR, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (e.name.endsWith('.py')) onDisk.push(r);
    }
  };
  walk('');
  expect(listed.sort()).toEqual(onDisk.sort());
  expect(pkg.version).toBe(/VERSION = "([^"]+)"/.exec(readFileSync(path.join(FIRMWARE_DIR, 'picolink/__init__.py'), 'utf8'))![1]);
});
