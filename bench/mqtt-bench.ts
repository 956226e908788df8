// `npm run bench:mqtt` (issue 17 point 6): H hubs x P virtual Picos, each hub its own process
// and radio (`picolink hub --sim P --mqtt URL --hub-name hN`), pinging at 10 Hz and publishing
// to one Mosquitto; one dashboard-like subscriber (an MQTT.js client on PREFIX/+/+/samples).
// Prints, per run: end-to-end delay hub -> subscriber (p50/p99), samples lost between them,
// the broker's CPU and each hub's CPU over the measuring window, and how busy the machine was.
//
// Delay: hubs and subscriber share this machine's wall clock (Date.now()), so a time in a payload
// and the subscriber's arrival time compare without clock sync. Three figures: `stats` payloads
// carry `at`, read as the hub queues the publish: their delay is the trip alone (hub queue,
// MQTT.js, broker, subscriber). A samples payload carries each ping's send time `at` and `rttMs`,
// so `at + rttMs` is when the hub held the answer: the newest sample of each publish adds the
// wait for the batch's flush, and every sample adds the batching in full (at most 4 publishes/s
// per device, issue 17 point 1), which is what a live chart sees.
// Lost: per device, the seq numbers seen (answered and unanswered pings) must run without gaps;
// a gap is a publish lost between hub and subscriber (QoS 0), and `dropped` counts samples a
// hub's own batch left out. Pings the board never answered are BLE losses, printed apart.
//
// Then the broker alone: hubs without boards (bench/mqtt/synthetic-hubs.ts, one process, one
// connection per hub, the same topics and payloads at the same rates) in larger numbers, to see
// how far one Mosquitto goes when the boards cost nothing.
//
// Env: MQTT_BENCH_HUBS (runs, default "4,8"), MQTT_BENCH_PICOS (16), MQTT_BENCH_SECONDS (30),
// MQTT_BENCH_HZ (10), MQTT_BENCH_LINK_S (how long hubs may take to link every board, 180),
// MQTT_BENCH_SYNTH (hubs without boards per run, default "64,256,1024"; "" skips),
// MQTT_BENCH_SYNTH_SECONDS (15).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { MOSQUITTO, startMosquitto, type Mosquitto } from '../test/setup/mosquitto.ts';
import { percentile } from './percentile.ts';

const ROOT = path.join(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin', 'picolink.js');
const PREFIX = 'picolink';
const RUNS = (process.env.MQTT_BENCH_HUBS ?? '4,8').split(',').filter(Boolean).map(Number);
const PICOS = Number(process.env.MQTT_BENCH_PICOS ?? 16);
const SECONDS = Number(process.env.MQTT_BENCH_SECONDS ?? 30);
const HZ = Number(process.env.MQTT_BENCH_HZ ?? 10);
const LINK_S = Number(process.env.MQTT_BENCH_LINK_S ?? 180);
const SYNTH = (process.env.MQTT_BENCH_SYNTH ?? '64,256,1024').split(',').filter(Boolean).map(Number);
const SYNTH_SECONDS = Number(process.env.MQTT_BENCH_SYNTH_SECONDS ?? 15);
const SYNTH_DEVICES = 16;
/** Let rates settle after the last board links before the window opens. */
const WARMUP_MS = 3_000;
const STOP_MS = 15_000;
/** /proc/PID/stat times are in clock ticks: 100 per second on Linux (sysconf(_SC_CLK_TCK)). */
const CLK_TCK = 100;

interface HubProc {
  name: string;
  child: ChildProcess;
  home: string | null;
}

const hubs: HubProc[] = [];
let broker: Mosquitto | null = null;
let brokerPid: number | null = null;

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // gone already
  }
}

/** Everything this bench started, at once (Ctrl-C, an error, exit). */
function killAll(): void {
  for (const h of hubs) killGroup(h.child.pid, 'SIGKILL');
  if (brokerPid !== null) killGroup(brokerPid, 'SIGKILL');
  for (const h of hubs) if (h.home) rmSync(h.home, { recursive: true, force: true });
  if (broker) rmSync(broker.dir, { recursive: true, force: true });
}
process.on('exit', killAll);
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(s, () => {
    console.error(`\n${s}: stopping every hub and the broker`);
    killAll();
    process.exit(130);
  });
}

/** utime + stime in seconds of one process, its threads included (proc(5): /proc/PID/stat fields 14, 15). */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/** Busy and total jiffies of the whole machine (proc(5): /proc/stat "cpu" line). */
function machineTicks(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  const idle = f[3]! + (f[4] ?? 0);
  return { busy: total - idle, total };
}

/** The pid of the Mosquitto running `conf` (the harness keeps its child to itself). */
function pidOf(conf: string): number | null {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (cmd.includes('mosquitto') && cmd.includes(conf)) return Number(d);
    } catch {
      // ended meanwhile
    }
  }
  return null;
}

interface SamplesMsg {
  hub: string;
  address: string;
  samples: { seq: number; at: number; rttMs: number }[];
  lost: { seq: number; at: number }[];
  dropped: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : '-');

/** The dashboard's side: one MQTT.js client on every hub's samples, stats and state. */
class Collector {
  readonly linked = new Map<string, Set<string>>();
  /** Per device: the seqs seen in the window, pings never answered, samples a hub's batch left out. */
  private readonly tallies = new Map<string, { seqs: number[]; unanswered: number; dropped: number }>();
  private readonly newest: number[] = [];
  private readonly transit: number[] = [];
  private readonly every: number[] = [];
  private window: { from: number; to: number } | null = null;
  private malformed = 0;
  messages = 0;

  private constructor(private readonly sub: mqtt.MqttClient) {
    sub.on('message', (topic, payload) => this.onMessage(topic, payload));
  }

  static async open(url: string): Promise<Collector> {
    const sub = await mqtt.connectAsync(url, { clientId: 'bench-dashboard', reconnectPeriod: 0 });
    const c = new Collector(sub);
    await sub.subscribeAsync([`${PREFIX}/+/+/samples`, `${PREFIX}/+/+/stats`, `${PREFIX}/+/+/state`], { qos: 0 });
    return c;
  }

  linkedCount(): number {
    return [...this.linked.values()].reduce((a, s) => a + s.size, 0);
  }

  open(from: number, seconds: number): void {
    this.window = { from, to: from + seconds * 1000 };
  }

  get closesAt(): number | null {
    return this.window?.to ?? null;
  }

  close(): Promise<void> {
    return this.sub.endAsync(true);
  }

  private onMessage(topic: string, payload: Buffer): void {
    const now = Date.now();
    this.messages++;
    const kind = topic.slice(topic.lastIndexOf('/') + 1);
    let msg: unknown;
    try {
      msg = payload.length ? JSON.parse(payload.toString('utf8')) : null;
    } catch {
      this.malformed++;
      return;
    }
    const w = this.window;
    if (kind === 'state') {
      const m = msg as { hub?: string; address?: string; state?: string } | null;
      if (!m?.hub || !m.address) return;
      const set = this.linked.get(m.hub) ?? new Set<string>();
      this.linked.set(m.hub, set);
      if (m.state === 'linked') set.add(m.address);
      else set.delete(m.address);
      return;
    }
    if (kind === 'stats' && w) {
      // `at` is read as the hub queues the publish: this is the trip alone, no batching.
      const at = (msg as { at?: number } | null)?.at;
      if (typeof at === 'number' && at >= w.from && at < w.to) this.transit.push(now - at);
      return;
    }
    if (kind !== 'samples' || !w) return;
    const m = msg as SamplesMsg;
    const inWindow = m.samples.filter((s) => s.at >= w.from && s.at < w.to);
    const lostIn = m.lost.filter((s) => s.at >= w.from && s.at < w.to);
    if (!inWindow.length && !lostIn.length) return;
    const key = `${m.hub}/${m.address}`;
    const t = this.tallies.get(key) ?? { seqs: [], unanswered: 0, dropped: 0 };
    this.tallies.set(key, t);
    t.dropped += m.dropped;
    t.unanswered += lostIn.length;
    for (const s of inWindow) t.seqs.push(s.seq);
    for (const s of lostIn) t.seqs.push(s.seq);
    let last = -Infinity;
    for (const s of inWindow) {
      const held = s.at + s.rttMs;
      this.every.push(now - held);
      last = Math.max(last, held);
    }
    if (inWindow.length) this.newest.push(now - last);
  }

  /** Prints what the window saw; `expected` pings at the nominal rate. */
  report(devices: number, expected: number, boards: boolean): void {
    let gaps = 0;
    let seen = 0;
    let unanswered = 0;
    let dropped = 0;
    for (const t of this.tallies.values()) {
      // A link that dropped and came back would start again at seq 0; in a steady window none does.
      const s = [...new Set(t.seqs)].sort((a, b) => a - b);
      seen += s.length;
      unanswered += t.unanswered;
      dropped += t.dropped;
      for (let i = 1; i < s.length; i++) if (s[i]! - s[i - 1]! > 1) gaps += s[i]! - s[i - 1]! - 1;
    }
    for (const a of [this.newest, this.transit, this.every]) a.sort((x, y) => x - y);
    const p = (a: number[]): string => `p50 ${f1(percentile(a, 50))} ms, p99 ${f1(percentile(a, 99))} ms`;
    console.log(`  devices heard in the window: ${this.tallies.size}/${devices}; pings seen ${seen} of ${expected} at ${HZ} Hz (${f1((seen / expected) * 100)}%: what the ${boards ? 'hubs' : 'publishers'} produced)`);
    console.log(`  samples lost hub -> subscriber: ${gaps} (seq gaps)${dropped ? `, ${dropped} dropped by a hub's full batch` : ''}${this.malformed ? `, ${this.malformed} payloads not JSON` : ''}${boards ? `; pings the boards never answered (BLE): ${unanswered}` : ''}`);
    console.log(`  delay hub -> subscriber, publish to arrival (stats, timed as the hub queues them): ${p(this.transit)} (${this.transit.length} publishes)`);
    if (boards) {
      console.log(`  delay hub -> subscriber, newest sample of each publish (adds the wait for the flush): ${p(this.newest)} (${this.newest.length} publishes)`);
      console.log(`  delay answer -> subscriber, every sample (adds the batching, as a chart sees it): ${p(this.every)} (${this.every.length} samples)`);
    } else {
      console.log(`  delay publisher -> subscriber, samples (newest sample timed at the publish): ${p(this.newest)} (${this.newest.length} publishes)`);
    }
  }
}

async function openBroker(): Promise<Mosquitto> {
  const b = await startMosquitto();
  broker = b;
  brokerPid = pidOf(path.join(b.dir, 'mosquitto.conf'));
  return b;
}

async function closeBroker(): Promise<void> {
  await broker?.stop();
  broker = null;
  brokerPid = null;
}

interface Cpu {
  broker: number;
  self: NodeJS.CpuUsage;
  hubs: number[];
  machine: { busy: number; total: number };
  at: number;
}

const cpuNow = (since?: NodeJS.CpuUsage): Cpu => ({
  broker: brokerPid ? cpuSeconds(brokerPid) : NaN,
  self: process.cpuUsage(since),
  hubs: hubs.map((h) => cpuSeconds(h.child.pid!)),
  machine: machineTicks(),
  at: Date.now(),
});

function printCpu(a: Cpu, b: Cpu, perHub: boolean): void {
  const span = (b.at - a.at) / 1000;
  const pct = (x: number, y: number): string => `${f1(((y - x) / span) * 100)}%`;
  console.log(`  CPU (% of one core over ${f1(span)} s): broker ${pct(a.broker, b.broker)}; subscriber ${f1(((b.self.user + b.self.system) / 1e6 / span) * 100)}%`);
  if (perHub) console.log(`  hubs: ${hubs.map((h, i) => `${h.name} ${pct(a.hubs[i]!, b.hubs[i]!)}`).join(', ')}`);
  else console.log(`  publishers (all hubs, one process): ${pct(a.hubs[0]!, b.hubs[0]!)}`);
  const m = { busy: b.machine.busy - a.machine.busy, total: b.machine.total - a.machine.total };
  console.log(`  machine: ${f1((m.busy / m.total) * 100)}% busy over all ${os.availableParallelism()} cores (other programs included); load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

/** Spawns a child in its own process group with stdin a pipe from here: it stops when that closes. */
function spawnChild(name: string, args: string[], home: string | null): HubProc {
  const child = spawn(process.execPath, args, { cwd: ROOT, detached: true, stdio: ['pipe', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => {
    err = (err + s).slice(-4000);
  });
  const h: HubProc = { name, child, home };
  child.on('exit', (code, signal) => {
    if (hubs.includes(h)) console.log(`  ${name} exited early (${code ?? signal}): ${err.trim().split('\n').slice(-3).join(' | ')}`);
  });
  hubs.push(h);
  return h;
}

async function run(hubCount: number): Promise<void> {
  console.log(`\n== ${hubCount} hubs x ${PICOS} virtual Picos at ${HZ} Hz, one Mosquitto, one subscriber; ${SECONDS} s window`);
  const b = await openBroker();
  const c = await Collector.open(b.url);
  const started = Date.now();
  for (let i = 1; i <= hubCount; i++) {
    const name = `h${i}`;
    const home = mkdtempSync(path.join(os.tmpdir(), `picolink-bench-${name}-`));
    spawnChild(name, [BIN, 'hub', '--sim', String(PICOS), '--ping-hz', String(HZ), '--mqtt', b.url, '--hub-name', name, '--mqtt-prefix', PREFIX, '--home', home, '--json'], home);
  }
  const want = hubCount * PICOS;
  while (c.linkedCount() < want && Date.now() - started < LINK_S * 1000 && hubs.every((h) => h.child.exitCode === null)) await sleep(250);
  console.log(`  ${c.linkedCount()}/${want} boards linked after ${f1((Date.now() - started) / 1000)} s`);
  if (c.linkedCount() < want) console.log('  (not every board linked in time: the figures below cover those that did)');
  await sleep(WARMUP_MS);

  const cpu0 = cpuNow();
  c.open(cpu0.at, SECONDS);
  await sleep(SECONDS * 1000);
  const cpu1 = cpuNow(cpu0.self);
  // Samples sent near the window's end may still be batched in a hub: wait one flush period and a bit.
  await sleep(1_000);
  c.report(want, want * HZ * SECONDS, true);
  printCpu(cpu0, cpu1, true);
  await c.close();
  await stopHubs();
  await closeBroker();
}

async function synthRun(hubCount: number): Promise<void> {
  const devices = hubCount * SYNTH_DEVICES;
  const rate = devices * 5; // 4 samples publishes and 1 stats a second each
  console.log(`\n== broker alone: ${hubCount} hubs without boards x ${SYNTH_DEVICES} devices (${rate} publishes/s), one subscriber; ${SYNTH_SECONDS} s window`);
  const b = await openBroker();
  const c = await Collector.open(b.url);
  const h = spawnChild('publishers', ['--import', 'tsx', path.join(ROOT, 'bench', 'mqtt', 'synthetic-hubs.ts'), b.url, String(hubCount), String(SYNTH_DEVICES)], null);
  await sleep(3_000 + hubCount * 5);
  if (h.child.exitCode !== null) throw new Error('the synthetic hubs exited');
  const cpu0 = cpuNow();
  const m0 = c.messages;
  c.open(cpu0.at, SYNTH_SECONDS);
  await sleep(SYNTH_SECONDS * 1000);
  const cpu1 = cpuNow(cpu0.self);
  const m1 = c.messages;
  await sleep(1_000);
  c.report(devices, devices * HZ * SYNTH_SECONDS, false);
  console.log(`  subscriber received ${f1((m1 - m0) / ((cpu1.at - cpu0.at) / 1000))} messages/s`);
  printCpu(cpu0, cpu1, false);
  await c.close();
  await stopHubs();
  await closeBroker();
}

/** Closes each child's stdin (a clean stop), then kills the group of any still running. */
async function stopHubs(): Promise<void> {
  const stopping = hubs.splice(0);
  const exits = stopping.map((h) => (h.child.exitCode !== null || h.child.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => h.child.once('exit', () => r()))));
  for (const h of stopping) h.child.stdin!.end();
  const timer = setTimeout(() => stopping.forEach((h) => killGroup(h.child.pid, 'SIGKILL')), STOP_MS);
  await Promise.all(exits);
  clearTimeout(timer);
  for (const h of stopping) if (h.home) rmSync(h.home, { recursive: true, force: true });
}

const cpuModel = os.cpus()[0]?.model ?? 'unknown';
console.log(`bench:mqtt  ${new Date().toISOString()}  ${os.availableParallelism()} cores (${cpuModel}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${os.type()} ${os.release()}`);
console.log(spawnSync(MOSQUITTO, ['-h'], { encoding: 'utf8' }).stdout.split('\n')[0]);
console.log('clocks: hubs and subscriber run on this machine and read the same wall clock, so delays need no sync');
try {
  for (const n of RUNS) await run(n);
  for (const n of SYNTH) await synthRun(n);
} catch (e) {
  console.error(`bench:mqtt failed: ${(e as Error).stack ?? String(e)}`);
  process.exitCode = 1;
} finally {
  killAll();
}
