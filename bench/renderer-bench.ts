// The renderer under load: 16 paired devices streaming 20 Hz RTT samples into the built
// dashboard in Chromium (playwright-core), over the real WebSocket bridge. The hub is replaced
// by a synthetic service that emits what HubService emits (status every 500 ms, a samples batch
// every 100 ms, a few console messages), so the figures are the renderer's, not the simulator's.
// Prints: frame time p95 over the first RENDERER_BENCH_FRAME_S seconds (default 300; goal
// ≤ 16.7 ms), the JS heap after forced GC through RENDERER_BENCH_SOAK_S seconds (default 1800;
// goal: flat, judged on medians of the first and last sixth, with the console log filled to its
// bound before the soak starts), and IPC messages/s.
//   npx tsx bench/renderer-bench.ts            (30 minutes)
//   RENDERER_BENCH_FRAME_S=60 RENDERER_BENCH_SOAK_S=120 npx tsx bench/renderer-bench.ts
// RENDERER_BENCH_SNAPSHOTS=DIR also writes heap snapshots (Chrome DevTools format) at the first
// settled reading and at the end, to find what a growing heap holds.
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { serveBridge } from '../src-main/app/bridge-server.ts';
import { DEFAULT_SETTINGS, type DeviceView, type EventChannel, type EventOf, type ResponseOf, type Settings } from '../src-main/ipc/contract.ts';
import type { IpcService } from '../src-main/ipc/service.ts';
import { percentile } from './percentile.ts';

const DEVICES = Number(process.env.RENDERER_BENCH_DEVICES ?? 16);
const HZ = 20;
const FRAME_S = Number(process.env.RENDERER_BENCH_FRAME_S ?? 300);
const SOAK_S = Math.max(FRAME_S, Number(process.env.RENDERER_BENCH_SOAK_S ?? 1800));
const HEAP_EVERY_S = Math.max(10, Math.min(30, Math.floor(SOAK_S / 10)));
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const SNAPSHOTS = process.env.RENDERER_BENCH_SNAPSHOTS;
const root = fileURLToPath(new URL('..', import.meta.url));


function syntheticService() {
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  let sent = 0;
  const emit = <C extends EventChannel>(channel: C, payload: EventOf<C>): void => {
    const set = listeners.get(channel);
    if (!set?.size) return;
    sent++;
    for (const l of set) l(payload);
  };
  const snap = () => {
    const p50 = 15 + Math.random() * 10;
    return { count: 1200, lost: 3, lossPercent: 0.25, p50, p95: p50 * 1.8, p99: p50 * 2.4, max: p50 * 4, mean: p50 * 1.1 };
  };
  const devices: DeviceView[] = Array.from({ length: DEVICES }, (_, i) => ({
    address: `e6:61:00:00:00:${i.toString(16).padStart(2, '0')}`,
    name: `pico${i + 1}`,
    hub: null,
    online: true,
    paired: true,
    state: 'linked',
    reason: 'linked',
    fault: null,
    adapter: `sim-hci${Math.floor(i / 7)}`,
    profile: 'picolink',
    rssi: -40 - i,
    lastSeen: Date.now(),
    mtu: 247,
    intervalMs: 7.5,
    window: snap(),
    total: snap(),
    firmwareMs: 1.1,
    messagesIn: 0,
    messagesOut: 0,
    bad: 0,
    lastThroughput: null,
  }));
  const status = (): EventOf<'status'> => ({
    adapters: [{ name: 'sim-hci0', state: 'poweredOn', code: 'powered-on', hint: {} }],
    devices: devices.map((d) => ({ ...d, lastSeen: Date.now(), window: snap() })),
    pingHz: HZ,
    running: true,
  });
  const settings: Settings = { ...DEFAULT_SETTINGS, pingHz: HZ, adapter: { kind: 'sim', picos: DEVICES }, theme: 'light' };
  const seq = new Map<string, number>();
  let lastBatch = Date.now();
  const timers = [
    setInterval(() => emit('status', status()), 500),
    setInterval(() => {
      const now = Date.now();
      const batches = devices.map((d) => {
        const samples = [];
        let s = seq.get(d.address) ?? 0;
        // Samples due since the last batch at HZ, spread across the interval.
        const due = Math.round(((now - lastBatch) / 1000) * HZ);
        for (let k = 0; k < due; k++) {
          s++;
          samples.push({ t: lastBatch + ((k + 1) * (now - lastBatch)) / due, seq: s, rttMs: Math.random() < 0.003 ? null : 12 + Math.random() * 20 + (Math.random() < 0.02 ? 60 : 0) });
        }
        seq.set(d.address, s);
        return { address: d.address, samples };
      });
      lastBatch = now;
      emit('samples', { batches });
    }, 100),
    setInterval(() => message(), 250),
  ];
  let n = 0;
  function message(count = 1): void {
    const d = devices[Math.floor(Math.random() * devices.length)]!;
    const entries = Array.from({ length: count }, () => ({ at: Date.now(), direction: 'in' as const, body: { kind: 'text' as const, text: `tick ${++n} from ${d.name}` } }));
    emit('messages', { batches: [{ address: d.address, entries, dropped: 0 }] });
  }
  /** `count` console messages at once, 100 per 10 ms (a chatty device), batched as the service does. */
  async function burst(count: number): Promise<void> {
    for (let i = 0; i < count; i += 100) {
      message(Math.min(100, count - i));
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  const service: IpcService = {
    handle: async (channel) => {
      const answers: Partial<Record<string, unknown>> = { 'hub.status': status(), 'settings.get': settings, 'device.history': { entries: [] } };
      if (!(channel in answers)) throw new Error(`${channel} is not part of this bench`);
      return answers[channel] as ResponseOf<typeof channel>;
    },
    on: (channel, listener) => {
      const set = listeners.get(channel) ?? new Set();
      listeners.set(channel, set);
      set.add(listener as (p: unknown) => void);
      return () => void set.delete(listener as (p: unknown) => void);
    },
  };
  return { service, sent: () => sent, burst, stop: () => timers.forEach(clearInterval) };
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (set CHROMIUM=...)`);
  await build({ configFile: path.join(root, 'src-renderer', 'vite.config.ts'), logLevel: 'warn' });
  const synth = syntheticService();
  const bridge = await serveBridge({ service: synth.service, staticDir: path.join(root, 'dist', 'renderer') });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--enable-precise-memory-info'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const cdp = await page.context().newCDPSession(page);
    await page.goto(bridge.url);
    await page.getByTestId('tab-latency').click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="device-chart"]').length === n, DEVICES, { timeout: 30_000 });
    console.log(`renderer bench: ${DEVICES} devices x ${HZ} Hz, ${DEVICES + 1} live charts on the page (those in view redraw); frame time over ${FRAME_S} s, heap through ${SOAK_S} s`);

    // Fill the console log to its bound first, so the soak measures growth beyond the bounded
    // stores (the sample rings and point pools are preallocated), not the log filling up.
    const limit = Number(await page.evaluate('window.__picolink.logLimit'));
    await synth.burst(limit);
    await page.waitForFunction('window.__picolink.logLines() >= window.__picolink.logLimit', undefined, { timeout: 60_000 });
    console.log(`console log filled to its bound of ${limit} lines`);
    // Warm up (JIT settles), then measure.
    await page.waitForTimeout(5_000);
    // A string, not a function: tsx would wrap named functions in a helper the page lacks.
    // Frame intervals go into a preallocated array (a growing one would be the heap's growth)
    // and only for the frame-time window.
    await page.evaluate(`((seconds) => {
      window.__picolink.frames.resetStats();
      const intervals = new Float64Array(Math.ceil(seconds * 250));
      window.__intervals = { values: intervals, n: 0, stop: false };
      let last = performance.now();
      const loop = (t) => {
        const r = window.__intervals;
        if (r.stop || r.n === intervals.length) return;
        intervals[r.n++] = t - last;
        last = t;
        requestAnimationFrame(loop);
      };
      requestAnimationFrame(loop);
    })(${FRAME_S})`);
    const sentAtStart = synth.sent();
    const started = Date.now();
    const heap: { s: number; mb: number; lines: number }[] = [];
    const snapshot = async (name: string) => {
      if (!SNAPSHOTS) return;
      mkdirSync(SNAPSHOTS, { recursive: true });
      const file = path.join(SNAPSHOTS, `${name}.heapsnapshot`);
      const out = createWriteStream(file);
      const onChunk = (e: { chunk: string }) => void out.write(e.chunk);
      cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
      await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
      cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
      await new Promise((resolve) => out.end(resolve));
      console.log(`heap snapshot: ${file}`);
    };
    const snapAt = Math.min(60, SOAK_S / 4);
    let snapped = false;
    const sampleHeap = async () => {
      // What a forced GC leaves varies with what the page holds at that instant (a frame's
      // chart arrays, a status being applied): the least of three readings 150 ms apart.
      let usedSize = Infinity;
      for (let i = 0; i < 3; i++) {
        if (i > 0) await page.waitForTimeout(150);
        await cdp.send('HeapProfiler.collectGarbage');
        usedSize = Math.min(usedSize, (await cdp.send('Runtime.getHeapUsage')).usedSize);
      }
      const s = Math.round((Date.now() - started) / 1000);
      const lines = Number(await page.evaluate('window.__picolink.logLines()'));
      heap.push({ s, mb: usedSize / 1e6, lines });
      if (!snapped && s >= snapAt) {
        snapped = true;
        await snapshot(`renderer-${s}s`);
      }
    };
    await sampleHeap();

    let frameReport = '';
    let nextHeap = HEAP_EVERY_S;
    const elapsed = () => (Date.now() - started) / 1000;
    while (elapsed() < SOAK_S) {
      await page.waitForTimeout(1000);
      if (!frameReport && elapsed() >= FRAME_S) {
        const r = await page.evaluate(() => {
          const w = window as unknown as { __picolink: { frames: { durations: Float64Array; frames: number } }; __intervals: { values: Float64Array; n: number; stop: boolean } };
          const f = w.__picolink.frames;
          const n = Math.min(f.frames, f.durations.length);
          w.__intervals.stop = true;
          return { work: Array.from(f.durations.subarray(0, n)), frames: f.frames, intervals: Array.from(w.__intervals.values.subarray(1, w.__intervals.n)) };
        });
        const work = r.work.sort((a, b) => a - b);
        const intervals = r.intervals.sort((a, b) => a - b);
        const msgs = (synth.sent() - sentAtStart) / elapsed();
        frameReport =
          `frame time (chart work per animation frame, last ${work.length} of ${r.frames} redraw frames): p50 ${percentile(work, 50).toFixed(2)} ms, p95 ${percentile(work, 95).toFixed(2)} ms, max ${percentile(work, 100).toFixed(2)} ms  (goal p95 <= 16.7 ms: ${percentile(work, 95) <= 16.7 ? 'met' : 'MISSED'})\n` +
          `frame interval (requestAnimationFrame, ${intervals.length} frames): p50 ${percentile(intervals, 50).toFixed(1)} ms, p95 ${percentile(intervals, 95).toFixed(1)} ms, p99 ${percentile(intervals, 99).toFixed(1)} ms\n` +
          `IPC: ${msgs.toFixed(1)} messages/s to the renderer (${DEVICES * HZ} samples/s batched)`;
        console.log(frameReport);
      }
      if (elapsed() >= nextHeap) {
        await sampleHeap();
        nextHeap += HEAP_EVERY_S;
      }
    }
    await sampleHeap();
    await snapshot(`renderer-end`);
    // Single readings after a forced GC swing by about a megabyte (code space, chart.js's
    // per-update arrays), so the verdict compares medians: the first sixth of the settled soak
    // against the last sixth.
    const settled = heap.filter((h) => h.s >= Math.min(60, SOAK_S / 4));
    const span = Math.max(HEAP_EVERY_S, (settled[settled.length - 1]!.s - settled[0]!.s) / 6);
    const early = settled.filter((h) => h.s <= settled[0]!.s + span);
    const late = settled.filter((h) => h.s >= settled[settled.length - 1]!.s - span);
    const median = (xs: { mb: number }[]) => percentile(xs.map((x) => x.mb).sort((p, q) => p - q), 50);
    const [from, to] = [median(early), median(late)];
    const growth = to - from;
    const verdict =
      early.length < 3 || late.length < 3 || early[early.length - 1]!.s >= late[0]!.s
        ? 'too short to judge (fewer than 3 readings at either end, or the ends overlap; soak 10 minutes or more)'
        : `${growth <= Math.max(1, from * 0.05) ? 'flat' : 'GROWING'} (flat: within max(1 MB, 5%))`;
    const first = settled[0]!;
    const last = heap[heap.length - 1]!;
    console.log(`heap after GC (MB) at s: ${heap.map((h) => `${h.s}:${h.mb.toFixed(1)}`).join('  ')}`);
    console.log(`console log (bounded at ${limit} lines): ${first.lines} lines at ${first.s} s, ${last.lines} at ${last.s} s`);
    console.log(
      `heap: median ${from.toFixed(1)} MB over ${early[0]!.s}-${early[early.length - 1]!.s} s -> ${to.toFixed(1)} MB over ${late[0]!.s}-${late[late.length - 1]!.s} s ` +
        `(${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MB): ${verdict}`,
    );
  } finally {
    await browser.close();
    await bridge.close();
    synth.stop();
  }
}

await main();
