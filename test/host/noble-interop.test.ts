// Interop: real, unmodified noble (central, over a pty like a UART dongle) with a BleHost GATT
// server on a Pico W controller: discovery, MTU exchange, reads (a long one through Read Blob),
// writes with and without response, subscription and notifications.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Characteristic, Noble, Peripheral } from '@stoprocent/noble';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IRQ, uuid } from '../../src-main/host/ble-host.ts';
import { FLAG_NOTIFY, FLAG_READ, FLAG_WRITE, FLAG_WRITE_NO_RESPONSE } from '../../src-main/host/gatt-db.ts';
import { PICO_W_CONTROLLER } from '../../src-main/radio/controller/options.ts';
import { Radio } from '../../src-main/radio/radio.ts';
import { nobleOn } from '../radio/integration/stacks.ts';
import { advPayload, bytes, Node } from './harness.ts';

const SERVICE = '6e400001b5a3f393e0a9e50e24dcca9e';
const TX = '6e400003b5a3f393e0a9e50e24dcca9e';
const RX = '6e400002b5a3f393e0a9e50e24dcca9e';
const LONG = '6e400004b5a3f393e0a9e50e24dcca9e';

let dir: string;
let radio: Radio;
let pico: Node;
let noble: Noble;
let peripheral: Peripheral;
let chars: Record<string, Characteristic>;
let tx: number, rx: number, long: number;
let conn: number;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'picolink-host-'));
  radio = new Radio();
  radio.addNode({ name: 'laptop' });
  radio.attachPty('laptop', path.join(dir, 'laptop'));
  radio.addNode({ ...PICO_W_CONTROLLER, name: 'pico' });
  pico = new Node(radio, 'pico');
  await pico.activate();
  [[tx, rx, long]] = pico.host.gattsRegisterServices([
    [uuid(SERVICE), [[uuid(TX), FLAG_READ | FLAG_NOTIFY], [uuid(RX), FLAG_WRITE | FLAG_WRITE_NO_RESPONSE], [uuid(LONG), FLAG_READ]]],
  ]) as [[number, number, number]];
  pico.host.gattsWrite(tx, bytes('hello from pico'));
  pico.host.gattsWrite(long, Uint8Array.from({ length: 300 }, (_, i) => i & 0xff));
  pico.host.gapAdvertise(20_000, advPayload('pico-w'));
  noble = nobleOn(path.join(dir, 'laptop'));
  await noble.waitForPoweredOnAsync(10_000);
}, 30_000);

afterAll(() => {
  noble?.stop();
  pico?.host.close();
  radio?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('noble and a BleHost GATT server', () => {
  it('noble finds the advertisement and connects; the Pico sees _IRQ_CENTRAL_CONNECT and noble MTU exchange', async () => {
    const found = new Promise<Peripheral>((resolve) => noble.on('discover', (p: Peripheral) => p.advertisement.localName === 'pico-w' && resolve(p)));
    await noble.startScanningAsync([], false);
    peripheral = await found;
    await noble.stopScanningAsync();
    expect(peripheral.address).toBe(radio.get('pico').controller.options.address.toLowerCase());
    await noble.connectAsync(peripheral.id, { minInterval: 6, maxInterval: 6, latency: 0, timeout: 200 });
    const [h, type, addr] = await pico.waitIrq(IRQ.CENTRAL_CONNECT);
    conn = h as number;
    expect(type).toBe(0);
    expect(Array.from(addr as Uint8Array)).toEqual(radio.get('laptop').controller.options.address.split(':').map((x) => parseInt(x, 16)));
    expect(await pico.waitIrq(IRQ.MTU_EXCHANGED)).toEqual([conn, 256]);
  });

  it('discovers the service and its characteristics with their properties', async () => {
    const { characteristics } = await peripheral.discoverSomeServicesAndCharacteristicsAsync([SERVICE], [TX, RX, LONG]);
    chars = Object.fromEntries(characteristics.map((c) => [c.uuid, c]));
    expect(Object.keys(chars).sort()).toEqual([LONG, RX, TX].sort());
    expect(chars[TX]!.properties).toEqual(expect.arrayContaining(['read', 'notify']));
    expect(chars[RX]!.properties).toEqual(expect.arrayContaining(['write', 'writeWithoutResponse']));
  });

  it('reads, a long value through Read Blob', async () => {
    expect((await chars[TX]!.readAsync()).toString()).toBe('hello from pico');
    const longValue = await chars[LONG]!.readAsync();
    expect(Array.from(longValue)).toEqual(Array.from({ length: 300 }, (_, i) => i & 0xff));
  });

  it('writes with and without response: _IRQ_GATTS_WRITE each time', async () => {
    await chars[RX]!.writeAsync(Buffer.from('with response'), false);
    expect(await pico.waitIrq(IRQ.GATTS_WRITE)).toEqual([conn, rx]);
    expect(new TextDecoder().decode(pico.host.gattsRead(rx))).toBe('with response');
    await chars[RX]!.writeAsync(Buffer.from('without'), true);
    expect(await pico.waitIrq(IRQ.GATTS_WRITE)).toEqual([conn, rx]);
    expect(new TextDecoder().decode(pico.host.gattsRead(rx))).toBe('without');
  });

  it('subscribes (the CCCD is stored, no IRQ) and receives gatts_notify and gatts_write(send_update) notifications', async () => {
    const got: string[] = [];
    const two = new Promise<void>((resolve) =>
      chars[TX]!.on('data', (d: Buffer) => {
        got.push(d.toString());
        if (got.length === 2) resolve();
      }),
    );
    pico.mark();
    await chars[TX]!.subscribeAsync();
    expect(Array.from(pico.host.gattsRead(tx + 1))).toEqual([1, 0]);
    expect(pico.pending().filter((r) => r.code === IRQ.GATTS_WRITE)).toEqual([]);
    pico.host.gattsNotify(conn, tx, bytes('notified'));
    pico.host.gattsWrite(tx, bytes('updated'), true);
    await two;
    expect(got).toEqual(['notified', 'updated']);
  });

  it('disconnects: _IRQ_CENTRAL_DISCONNECT (conn_handle, 255, zeros)', async () => {
    await peripheral.disconnectAsync();
    expect(await pico.waitIrq(IRQ.CENTRAL_DISCONNECT)).toEqual([conn, 255, new Uint8Array(6)]);
  });
});
