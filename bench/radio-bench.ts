// npm run bench: the virtual radio's figures, measured side by side in one run.
//  1. write-without-response -> notification round trip, noble <-> radio <-> bleno over ptys,
//     at connection intervals 7.5, 15 and 30 ms, each next to its interval.
//  2. the radio's CPU time per 1,000 packets and its load at 10 connections x 100 packets/s.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Characteristic, Peripheral } from '@stoprocent/noble';
import { HciClient } from '../src-main/host/hci-client.ts';
import { Reset, SetEventMask } from '../src-main/hci/commands/baseband.ts';
import { ReadBdAddr } from '../src-main/hci/commands/informational.ts';
import { LeSetAdvertisingEnable, LeSetAdvertisingParameters } from '../src-main/hci/commands/le-advertising.ts';
import { LeCreateConnection } from '../src-main/hci/commands/le-connection.ts';
import { LeSetEventMask } from '../src-main/hci/commands/le-controller.ts';
import * as C from '../src-main/hci/constants.ts';
import { encodeL2cap } from '../src-main/hci/l2cap-frame.ts';
import { LeConnectionComplete } from '../src-main/hci/le-events.ts';
import { openPtyHost } from '../src-main/radio/transport/pty-host.ts';
import { BlenoPeripheral, CHAR, nobleOn, SERVICE, startRadio } from '../test/radio/integration/stacks.ts';
import { percentile } from './percentile.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function roundTrips(samples: number): Promise<void> {
  console.log('Round trip: write without response -> notification (noble <-> radio <-> bleno, over ptys)');
  console.log('interval   median    p95      median/interval   (real hardware: between 1 and 2)');
  const bench = startRadio([{ name: 'central' }, { name: 'peripheral' }]);
  const bleno = new BlenoPeripheral(bench.ports.peripheral!, 'bench-periph');
  const noble = nobleOn(bench.ports.central!);
  try {
    await bleno.waitFor('advertising');
    await noble.waitForPoweredOnAsync(10_000);
    const found = new Promise<Peripheral>((resolve) => noble.on('discover', (p: Peripheral) => p.advertisement.localName === 'bench-periph' && resolve(p)));
    await noble.startScanningAsync([], true);
    const peripheral = await found;
    await noble.stopScanningAsync();
    for (const units of [6, 12, 24]) {
      const intervalMs = units * C.CONN_INTERVAL_UNIT_MS;
      await noble.connectAsync(peripheral.id, { minInterval: units, maxInterval: units, latency: 0, timeout: 200 });
      const { characteristics } = await peripheral.discoverSomeServicesAndCharacteristicsAsync([SERVICE], [CHAR]);
      const ch: Characteristic = characteristics[0]!;
      await ch.subscribeAsync();
      const rtts: number[] = [];
      let pending: { seq: number; t0: number; done: () => void } | null = null;
      ch.on('data', (d: Buffer) => {
        if (pending && d[0] === 0xee && d.readUInt16LE(1) === pending.seq) {
          rtts.push(performance.now() - pending.t0);
          pending.done();
        }
      });
      for (let seq = 0; seq < samples; seq++) {
        // Start each ping at a random phase of the connection interval, as real traffic does.
        await sleep(Math.random() * intervalMs);
        await new Promise<void>((resolve) => {
          const payload = Buffer.from([0xee, seq & 0xff, seq >> 8, 0, 0, 0, 0, 0]);
          pending = { seq, t0: performance.now(), done: resolve };
          ch.write(payload, true);
        });
      }
      rtts.sort((a, b) => a - b);
      const med = percentile(rtts, 50);
      console.log(
        `${intervalMs.toFixed(1).padStart(5)} ms  ${med.toFixed(1).padStart(6)} ms ${percentile(rtts, 95).toFixed(1).padStart(6)} ms   ${(med / intervalMs).toFixed(2).padStart(6)}`,
      );
      ch.removeAllListeners('data');
      await peripheral.disconnectAsync();
      await bleno.waitFor('disconnect', 5000, () => true);
      bleno.messages.length = 0;
      await bleno.waitFor('advertising', 100).catch(() => undefined);
      await sleep(200);
    }
  } finally {
    noble.stop();
    bleno.stop();
    bench.close();
  }
}

/** utime + stime of a process in ms, from /proc (Linux). */
function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // Fields 14 and 15 of stat (1-based), in clock ticks of 10 ms; index 11 and 12 after the name.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function load(connections: number, packetsPerSecond: number, seconds: number): Promise<void> {
  console.log(`\nRadio load: ${connections} connections x ${packetsPerSecond} packets/s each way for ${seconds} s, 15 ms interval`);
  console.log('(the radio runs alone in its own process, as `picolink radio`; the hosts talk to it over ptys)');
  const dir = mkdtempSync(path.join(tmpdir(), 'picolink-bench-'));
  const names = Array.from({ length: connections }, (_, i) => [`c${i}`, `p${i}`]).flat();
  const args = names.flatMap((n) => ['--hci-pty', path.join(dir, n)]);
  const radio = spawn(process.execPath, [fileURLToPath(new URL('../bin/picolink.js', import.meta.url)), 'radio', ...args, '--max-connections', '7'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      radio.stdout.on('data', (d: Buffer) => (out += d.toString()).includes('radio running') && resolve());
      radio.once('exit', (code) => reject(new Error(`radio exited with ${code}`)));
    });
    const hosts = new Map(names.map((n) => [n, new HciClient(openPtyHost(path.join(dir, n)))]));
    const addresses = new Map<string, Uint8Array>();
    for (const [n, h] of hosts) {
      await h.command(Reset);
      await h.command(SetEventMask, { eventMask: new Uint8Array(8).fill(0xff) });
      await h.command(LeSetEventMask, { leEventMask: Uint8Array.from([0x1f, 0, 0, 0, 0, 0, 0, 0]) });
      addresses.set(n, (await h.command(ReadBdAddr)).bdAddr);
    }
    let received = 0;
    const pairs: { central: HciClient; handle: number }[] = [];
    for (let i = 0; i < connections; i++) {
      const central = hosts.get(`c${i}`)!;
      const periph = hosts.get(`p${i}`)!;
      await periph.execute(LeSetAdvertisingParameters, {
        advertisingIntervalMin: 0x20,
        advertisingIntervalMax: 0x20,
        advertisingType: C.ADV_IND,
        ownAddressType: 0,
        peerAddressType: 0,
        peerAddress: new Uint8Array(6),
        advertisingChannelMap: 7,
        advertisingFilterPolicy: 0,
      });
      const cDone = central.waitForEvent(LeConnectionComplete);
      const pDone = periph.waitForEvent(LeConnectionComplete);
      await periph.execute(LeSetAdvertisingEnable, { advertisingEnable: true });
      await central.execute(LeCreateConnection, {
        leScanInterval: 0x0060,
        leScanWindow: 0x0060,
        initiatorFilterPolicy: 0,
        peerAddressType: 0,
        peerAddress: addresses.get(`p${i}`)!,
        ownAddressType: 0,
        connectionIntervalMin: 12,
        connectionIntervalMax: 12,
        maxLatency: 0,
        supervisionTimeout: 200,
        minCeLength: 0,
        maxCeLength: 0,
      });
      const handle = (await cDone).connectionHandle;
      const pHandle = (await pDone).connectionHandle;
      // The peripheral's host echoes every packet back; the central's host counts the echoes.
      periph.on('acl', (p) => periph.sendAcl({ handle: pHandle, pb: p.pb === C.PB_FIRST_FLUSHABLE ? 0 : 1, bc: 0, data: p.data }));
      central.on('acl', () => received++);
      pairs.push({ central, handle });
    }
    const payload = encodeL2cap({ cid: 0x0004, payload: new Uint8Array(16) });
    const cpu0 = processCpuMs(radio.pid!);
    const t0 = performance.now();
    let sent = 0;
    const tick = setInterval(() => {
      for (const p of pairs) p.central.sendAcl({ handle: p.handle, pb: 0, bc: 0, data: payload });
      sent += pairs.length;
    }, 1000 / packetsPerSecond);
    await sleep(seconds * 1000);
    clearInterval(tick);
    await sleep(300);
    const cpuMs = processCpuMs(radio.pid!) - cpu0;
    const wall = performance.now() - t0;
    const packets = sent + received; // each one crossed the air once
    console.log(`packets over the air: ${packets} (${(packets / (wall / 1000)).toFixed(0)}/s); echoes back: ${received} of ${sent}`);
    console.log(`radio CPU: ${cpuMs.toFixed(0)} ms in ${wall.toFixed(0)} ms = ${((100 * cpuMs) / wall).toFixed(1)}% of one core`);
    console.log(`radio CPU per 1,000 packets: ${((cpuMs / packets) * 1000).toFixed(1)} ms (link layer, HCI and pty I/O)`);
    console.log(`sustains ${connections} connections x ${packetsPerSecond} packets/s on one core: ${cpuMs < wall && received >= sent * 0.99 ? 'yes' : 'NO'}`);
    for (const h of hosts.values()) h.close();
  } finally {
    radio.kill('SIGINT');
    await new Promise((r) => radio.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

const samples = Number(process.env.BENCH_SAMPLES ?? 200);
await roundTrips(samples);
await load(10, 100, Number(process.env.BENCH_SECONDS ?? 10));
process.exit(0);
