// The hub under load: 1, 4, 8 and 16 virtual Picos pinged at 20 Hz each (16 spread over three
// adapters of 7 links), the Picos and their radio in a child process behind UART ptys, as a
// dongle would be. Prints, per size: RTT p50/p99 beside the connection interval, loss, the hub
// process's CPU % (100% = one core) and its event-loop lag p99. The hub's status is read every
// STATUS_MS as the app does (app/hub-service.ts, statusIntervalMs), since that work shares the loop.
// The machine's load average is printed with each size: the lag includes time the OS gave others.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { Adapter } from '../src-main/hub/adapter/adapter.ts';
import { createNoble } from '../src-main/hub/adapter/noble-factory.ts';
import { SIM_ADAPTER_LIMIT } from '../src-main/sim/simulation.ts';
import { Hub } from '../src-main/hub/hub.ts';
import { PairedDevices } from '../src-main/hub/store/paired-devices.ts';
import { percentile } from './percentile.ts';

const SIZES = (process.env.HUB_BENCH_SIZES ?? '1,4,8,16').split(',').map(Number);
const HZ = 20;
const WARM_S = 3;
const MEASURE_S = Number(process.env.HUB_BENCH_SECONDS ?? 20);
const LAG_RESOLUTION_MS = 10;
const STATUS_MS = 500;


async function run(picos: number): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'picolink-hub-bench-'));
  const adapters = Math.ceil(picos / SIM_ADAPTER_LIMIT);
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'hub', 'sim-host.ts'), String(picos), String(adapters), dir], { stdio: ['pipe', 'pipe', 'inherit'] });
  const ready = await new Promise<{ ptys: string[]; addresses: string[] }>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (l) => resolve(JSON.parse(l) as { ptys: string[]; addresses: string[] }));
    child.once('exit', (code) => reject(new Error(`sim host exited with ${code}`)));
  });
  const { store: paired } = PairedDevices.load(path.join(dir, 'paired.json'));
  const hub = new Hub({
    adapters: ready.ptys.map((p, i) => new Adapter(`hci${i}`, createNoble({ kind: 'uart', port: p }), { maxConnections: SIM_ADAPTER_LIMIT, transport: { kind: 'uart', port: p, baudRate: null } })),
    paired,
    pingHz: HZ,
  });
  let statusTimer: NodeJS.Timeout | undefined;
  try {
    hub.start();
    for (const a of ready.addresses) await hub.pair(a);
    const t0 = Date.now();
    while (hub.status().filter((d) => d.state === 'linked').length < picos) {
      if (Date.now() - t0 > 60_000) throw new Error(`only ${hub.status().filter((d) => d.state === 'linked').length} of ${picos} linked after 60 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const linkMs = Date.now() - t0;
    statusTimer = setInterval(() => hub.status(), STATUS_MS);
    await new Promise((r) => setTimeout(r, WARM_S * 1000));
    const rtts: number[] = [];
    let lost = 0;
    const onSample = (s: { sample: { rttMs: number } }): void => void rtts.push(s.sample.rttMs);
    const onLost = (): void => void lost++;
    hub.on('sample', onSample);
    hub.on('lost', onLost);
    const lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
    lag.enable();
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    await new Promise((r) => setTimeout(r, MEASURE_S * 1000));
    const cpu = process.cpuUsage(cpu0);
    const wall = performance.now() - wall0;
    lag.disable();
    hub.off('sample', onSample);
    hub.off('lost', onLost);
    rtts.sort((a, b) => a - b);
    const interval = hub.status()[0]!.intervalMs;
    const expected = picos * HZ * MEASURE_S;
    return [
      `${String(picos).padStart(2)} Picos (${adapters} adapter${adapters > 1 ? 's' : ''})`,
      `interval ${interval.toFixed(2)} ms`,
      `RTT p50 ${percentile(rtts, 50).toFixed(1)} ms (${(percentile(rtts, 50) / interval).toFixed(2)} intervals)`,
      `p99 ${percentile(rtts, 99).toFixed(1)} ms (${(percentile(rtts, 99) / interval).toFixed(2)} intervals)`,
      `samples ${rtts.length}/${expected}`,
      `lost ${lost}`,
      `hub CPU ${(((cpu.user + cpu.system) / 1000 / wall) * 100).toFixed(1)}%`,
      // The histogram holds whole timer periods: the lag is what exceeds the period.
      `event-loop lag p99 ${Math.max(0, lag.percentile(99) / 1e6 - LAG_RESOLUTION_MS).toFixed(1)} ms`,
      `linked all in ${linkMs} ms`,
      `load average ${loadavg()[0]!.toFixed(1)}`,
    ].join('  ');
  } finally {
    clearInterval(statusTimer);
    await hub.stop();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`hub bench: ${HZ} Hz pings per Pico, ${MEASURE_S} s measured after ${WARM_S} s warm-up; CPU % of one core, hub process only`);
for (const n of SIZES) console.log(await run(n));
