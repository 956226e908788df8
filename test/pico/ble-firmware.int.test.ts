// Real firmware written only against the documented bluetooth API, in virtual Picos on the
// virtual radio: two boards exchange 1,000 messages each way at 5% packet error rate, and
// noble (UART driver on a pty) talks to a board's GATT server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Characteristic, Noble, Peripheral } from '@stoprocent/noble';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { VirtualPico } from '../../src-main/pico/board.ts';
import { readFirmware } from '../../src-main/resources/firmware-folder.ts';
import { Radio } from '../../src-main/radio/radio.ts';
import { nobleOn } from '../radio/integration/stacks.ts';
import { waitConsole as line } from './console.ts';
import { enableNotifications } from '../../src-main/hub/link/cccd.ts';

const FIRMWARE = path.resolve(import.meta.dirname, '../fixtures/firmware');
let radio: Radio;
let picos: VirtualPico[];
let dir: string;
beforeEach(() => {
  radio = new Radio();
  picos = [];
  dir = mkdtempSync(path.join(tmpdir(), 'picolink-pico-'));
});
afterEach(async () => {
  for (const p of picos) await p.close();
  radio.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A board with the files of `firmware`, each later folder overlaid on the earlier ones. */
function board(name: string, ...firmware: string[]): VirtualPico {
  const files = Object.assign({}, ...firmware.map((f) => readFirmware(path.join(FIRMWARE, f)))) as Record<string, Uint8Array>;
  const p = new VirtualPico(radio, { name, files });
  picos.push(p);
  return p;
}


it('two Picos exchange 1,000 messages each way at 5% packet error rate, none lost, duplicated or reordered', async () => {
  const periph = board('periph', 'raw-peripheral');
  const central = board('central', 'raw-central');
  await periph.powerOn();
  await line(periph, /^advertising$/);
  await central.powerOn();
  radio.setPacketErrorRate('periph', 'central', 0.05);
  expect(await line(central, /^central got /, 60_000)).toMatch(/^central got 1000 bad 0 ms \d+$/);
  expect(await line(periph, /^peripheral got 1000 /)).toBe('peripheral got 1000 bad 0');
  const errors = [...periph.console, ...central.console].filter((l) => /out of order|Traceback|Error/.test(l));
  expect(errors).toEqual([]);
  const connection = radio.air.allConnections()[0]!;
  expect(connection.pdusLost).toBeGreaterThan(20); // the error rate was in force, and repaired
});

it('a peripheral whose asyncio loop only ever yields with sleep_ms(0) still serves 1,000 messages', async () => {
  const periph = board('periph', 'raw-peripheral', 'spin-peripheral');
  const central = board('central', 'raw-central');
  await periph.powerOn();
  await line(periph, /^advertising$/);
  await central.powerOn();
  expect(await line(central, /^central got /, 60_000)).toMatch(/^central got 1000 bad 0 ms \d+$/);
});

it('noble connects to a Pico GATT server over a pty, discovers it, writes and receives notifications', async () => {
  const periph = board('periph', 'raw-peripheral');
  radio.addNode({ name: 'laptop' });
  radio.attachPty('laptop', path.join(dir, 'laptop'));
  await periph.powerOn();
  await line(periph, /^advertising$/);
  const noble: Noble = nobleOn(path.join(dir, 'laptop'));
  try {
    await noble.waitForPoweredOnAsync(10_000);
    const found = new Promise<Peripheral>((resolve) => noble.on('discover', (p: Peripheral) => p.advertisement.localName === 'vp-per' && resolve(p)));
    await noble.startScanningAsync([], false);
    const p = await found;
    await noble.stopScanningAsync();
    expect(p.advertisement.serviceUuids).toEqual(['5049434f4c494e4b0000000000000101']);
    await noble.connectAsync(p.id, { minInterval: 12, maxInterval: 12, latency: 0, timeout: 200 });
    await line(periph, /^connected /);
    const { characteristics } = await p.discoverSomeServicesAndCharacteristicsAsync(['5049434f4c494e4b0000000000000101'], []);
    const ch: Characteristic = characteristics[0]!;
    expect(ch.uuid).toBe('5049434f4c494e4b0000000000000102');
    expect(ch.properties).toEqual(expect.arrayContaining(['read', 'write', 'writeWithoutResponse', 'notify']));
    const got: string[] = [];
    ch.on('data', (d: Buffer) => got.push(d.toString()));
    // A Pico W answers a CCCD read with no value, which noble's subscribe cannot take: write it, as the hub does.
    await enableNotifications(ch);
    for (let i = 0; i < 20; i++) await ch.writeAsync(Buffer.from(`c2p ${i}\n`), i % 2 === 0);
    await expect.poll(() => got, { timeout: 5_000, interval: 50 }).toEqual(Array.from({ length: 20 }, (_, i) => `p2c ${i}`));
  } finally {
    noble.stop();
  }
});
