// npm run bench:pico: a virtual Pico's boot time, how many virtual Picos one core runs at
// 20 ping-pongs per second each, and how fast one board's firmware can call bluetooth
// (bench/pico/bridge-rate.ts, also alone as npm run bench:pico-bridge).
// Each Pico runs the raw-API echo firmware; a central per Pico (our host stack, in this
// process) writes "c2p N" and waits for the notification "p2c N", 20 times a second.
import { fileURLToPath } from 'node:url';
import { BleHost } from '../src-main/host/ble-host.ts';
import { IRQ, type IrqValue } from '../src-main/host/irq.ts';

import { uuid } from '../src-main/host/uuid.ts';
import { VirtualPico } from '../src-main/pico/board.ts';
import { readFirmware } from '../src-main/resources/firmware-folder.ts';
import { realClock } from '../src-main/hci/clock.ts';
import { Radio } from '../src-main/radio/radio.ts';
import { percentile } from './percentile.ts';
import { printBridgeRates } from './pico/bridge-rate.ts';

const FIRMWARE = fileURLToPath(new URL('../test/fixtures/firmware/raw-peripheral', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (v: number[]): number => percentile([...v].sort((a, b) => a - b), 50);

async function bootTime(): Promise<void> {
  const radio = new Radio();
  const files = readFirmware(FIRMWARE);
  const boots: number[] = [];
  for (let i = 0; i < 7; i++) {
    const p = new VirtualPico(radio, { name: `boot${i}`, files });
    const t0 = performance.now();
    await p.powerOn();
    boots.push(performance.now() - t0);
    await p.close();
  }
  console.log(`Boot: median ${median(boots).toFixed(0)} ms from power-on to MicroPython ready (worker start, WebAssembly, runtime), 7 boots`);
  radio.close();
}

/** A central on its own controller that finds one Pico, subscribes, and ping-pongs. */
async function central(radio: Radio, name: string, target: Uint8Array): Promise<{ ping(): Promise<number> }> {
  const node = radio.addNode({ name });
  const host = new BleHost(radio.attachInProcess(node.name), realClock, { name });
  await new Promise<void>((resolve, reject) => host.active(true, (e) => (e ? reject(e) : resolve())));
  const st: { conn: number; vh: number; pong: ((n: number) => void) | null } = { conn: -1, vh: 0, pong: null };
  host.on('irq', (code, data) => {
    if (code === IRQ.PERIPHERAL_CONNECT) st.conn = data[0] as number;
    if (code === IRQ.GATTC_CHARACTERISTIC_RESULT) st.vh = data[2] as number;
    if (code === IRQ.GATTC_NOTIFY) st.pong?.(Number(new TextDecoder().decode((data[2] as Uint8Array).subarray(4))));
  });
  const next = (code: number): Promise<IrqValue[]> =>
    new Promise((resolve) => {
      const on = (c: number, d: IrqValue[]): void => {
        if (c !== code) return;
        host.off('irq', on);
        resolve(d);
      };
      host.on('irq', on);
    });
  const connected = next(IRQ.PERIPHERAL_CONNECT);
  host.gapConnect(0, target, 5000, 15_000, 15_000);
  await connected;
  const chars = next(IRQ.GATTC_CHARACTERISTIC_DONE);
  host.gattcDiscoverCharacteristics(st.conn, 1, 0xffff, uuid('5049434f-4c49-4e4b-0000-000000000102'));
  await chars;
  const subscribed = next(IRQ.GATTC_WRITE_DONE);
  host.gattcWrite(st.conn, st.vh + 1, Uint8Array.of(1, 0), 1);
  await subscribed;
  let seq = 0;
  return {
    ping: () =>
      new Promise<number>((resolve) => {
        const n = seq++;
        const t0 = performance.now();
        st.pong = (got) => {
          if (got === n) resolve(performance.now() - t0);
        };
        host.gattcWrite(st.conn, st.vh, new TextEncoder().encode(`c2p ${n}\n`), 0);
      }),
  };
}

async function capacity(n: number, seconds: number): Promise<{ cpuPercent: number; rate: number; p50: number }> {
  const radio = new Radio();
  const files = readFirmware(FIRMWARE);
  const picos: VirtualPico[] = [];
  for (let i = 0; i < n; i++) picos.push(new VirtualPico(radio, { name: `pico${i}`, files, position: { x: i, y: 1 } }));
  await Promise.all(picos.map((p) => p.powerOn()));
  const centrals = [];
  for (let i = 0; i < n; i++) centrals.push(await central(radio, `c${i}`, picos[i]!.node.controller.publicAddress.slice().reverse()));
  const rtts: number[] = [];
  let done = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  await Promise.all(
    centrals.map(async (c) => {
      for (let k = 0; performance.now() < end; k++) {
        const due = t0 + k * 50; // 20 per second
        if (due > performance.now()) await sleep(due - performance.now());
        rtts.push(await c.ping());
        done++;
      }
    }),
  );
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  for (const p of picos) await p.close();
  radio.close();
  return { cpuPercent: ((cpu.user + cpu.system) / 1000 / wall) * 100, rate: done / (wall / 1000) / n, p50: median(rtts) };
}

await bootTime();
console.log('\nCapacity: each Pico answers 20 ping-pongs/s (15 ms interval); CPU is the whole process (radio, hosts, all boards)');
console.log('picos  ping-pongs/s each  median RTT  CPU (% of one core)  CPU per Pico');
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
let perPico = 0;
for (const n of [1, 4, 8]) {
  const r = await capacity(n, seconds);
  perPico = r.cpuPercent / n;
  console.log(`${String(n).padStart(5)}  ${r.rate.toFixed(1).padStart(17)}  ${r.p50.toFixed(1).padStart(7)} ms  ${r.cpuPercent.toFixed(1).padStart(19)}  ${perPico.toFixed(2).padStart(10)}%`);
}
console.log(`One core runs about ${Math.floor(100 / perPico)} virtual Picos at 20 ping-pongs/s each (from the 8-Pico run).`);
console.log('');
await printBridgeRates();
process.exit(0);
