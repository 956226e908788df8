// Two virtual Picos running code written the way aioble and most users' sketches are: a central
// passing None for gap_connect's optional arguments, a peripheral reading each value inside its
// _IRQ_GATTS_WRITE, and asyncio.run() with code after it (at top level and inside a function).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { Bench, faults, line } from '../firmware/harness.ts';

const DIR = path.resolve(import.meta.dirname, '../fixtures/firmware-aioble-style');
const main = (file: string): Record<string, Uint8Array> => ({ 'main.py': new Uint8Array(readFileSync(path.join(DIR, file))) });

let bench: Bench;
afterEach(async () => {
  await bench.close();
});

it('each write seen in its own IRQ, in order; asyncio.run() returns only when its task ends', async () => {
  bench = new Bench();
  const p = bench.pico('aio-p', main('peripheral.py'));
  const c = bench.pico('aio-c', main('central.py'));
  const exited = new Promise<string | null>((resolve) => p.once('main-exited', resolve));
  await p.powerOn();
  await line(p, /^advertising$/);
  await c.powerOn();
  await line(c, /^central done$/, 30_000);
  expect(await line(p, /^got /, 10_000)).toBe('got True [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]');
  expect(await exited).toBeNull();
  const tail = p.console.slice(p.console.findIndex((l) => l.startsWith('got ')));
  expect(tail).toEqual(['got True [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]', 'run returned 60', 'finally', 'after run']);
  expect(c.console.slice(-2)).toEqual(['sent 60', 'central done']);
  expect([...faults(p), ...faults(c)]).toEqual([]);
}, 60_000);
