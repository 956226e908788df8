// npx tsx bench/export-bench.ts: the log's figures.
//  1. insert rate: 1,000,000 samples from 8 devices through LogStore (buffered, committed in batches).
//  2. export rate to CSV and to NDJSON, and how far RSS rises above its level before each
//     export: if memory grew with the row count, the growth over the whole export would be about
//     twice that at the halfway point; about the same figure shows it does not.
// Beside each wall time, the process's CPU time (all threads) and the machine's load average: on a
// shared machine the wall time includes time the OS gave to others; the CPU time mostly does not.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { LogStore } from '../src-main/hub/store/database.ts';
import { exportLog, type ExportFormat } from '../src-main/hub/store/export.ts';

const SAMPLES = 1_000_000;
const DEVICES = 8;
const MIB = 1024 * 1024;

const rate = (rows: number, ms: number): string => `${Math.round(rows / (ms / 1000)).toLocaleString('en-US')} rows/s`;
const mib = (bytes: number): string => `${(bytes / MIB).toFixed(1)} MiB`;

function insert(file: string): void {
  const store = LogStore.open(file);
  store.startSession({ bench: 'export-bench' });
  const devices = Array.from({ length: DEVICES }, (_, i) => ({ device: `aa:bb:cc:dd:ee:${i.toString(16).padStart(2, '0')}`, name: `pico-${i}` }));
  const t0 = Date.now() - SAMPLES; // one sample per ms, ending now
  const start = performance.now();
  for (let i = 0; i < SAMPLES; i++) {
    const d = devices[i % DEVICES]!;
    const lost = i % 97 === 0;
    // Named fields, not `...d`: a spread here costs more than the insert itself (about 3x slower).
    store.addSample({ device: d.device, name: d.name, seq: Math.floor(i / DEVICES), t: t0 + i, rttMs: lost ? null : 7.5 + (i % 13) * 0.25, firmwareUs: 120 + (i % 7), lost });
  }
  store.flush();
  const ms = performance.now() - start;
  store.close();
  console.log(`insert   ${SAMPLES.toLocaleString('en-US')} samples, ${DEVICES} devices: ${(ms / 1000).toFixed(2)} s  ${rate(SAMPLES, ms)}  (db ${mib(statSync(file).size)})`);
}

async function exportTo(dbFile: string, dir: string, format: ExportFormat): Promise<void> {
  global.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const sample = (): void => {
    peak = Math.max(peak, process.memoryUsage().rss);
  };
  // The timer runs while the exporter waits for the file stream to drain; the progress
  // callback adds readings in between, so a growth in either phase is caught.
  const timer = setInterval(sample, 10);
  const out = path.join(dir, `export.${format}`);
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  let reports = 0;
  let halfwayPeak: number | null = null;
  try {
    const { rows } = await exportLog(dbFile, out, {
      format,
      onProgress: ({ rows, total }) => {
        reports++;
        sample();
        if (halfwayPeak === null && rows >= total / 2) halfwayPeak = peak;
      },
    });
    const ms = performance.now() - start;
    const cpu = process.cpuUsage(cpu0);
    sample();
    console.log(
      `export   ${format.padEnd(6)} ${rows.toLocaleString('en-US')} rows: ${(ms / 1000).toFixed(2)} s  ${rate(rows, ms)}  ` +
        `CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s  load average ${loadavg()[0]!.toFixed(1)}  ` +
        `(file ${mib(statSync(out).size)}, ${reports} progress reports)  RSS before ${mib(base)}, ` +
        `peak growth by the halfway point ${mib((halfwayPeak ?? peak) - base)}, over the whole export ${mib(peak - base)}`,
    );
  } finally {
    clearInterval(timer);
  }
}

const dir = mkdtempSync(path.join(tmpdir(), 'picolink-export-bench-'));
try {
  const dbFile = path.join(dir, 'log.db');
  insert(dbFile);
  await exportTo(dbFile, dir, 'csv');
  await exportTo(dbFile, dir, 'ndjson');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
