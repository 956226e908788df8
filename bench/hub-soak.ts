// 1,000 link/unlink cycles (four virtual Picos cycling together) with listeners, active timers
// and the heap after a full GC sampled every 100 cycles. Run with --expose-gc (npm run bench does).
import { runSoak, type SoakSample } from './hub/soak.ts';

const CYCLES = Number(process.env.HUB_SOAK_CYCLES ?? 1000);
if (!(globalThis as { gc?: unknown }).gc) console.log('(no --expose-gc: heap figures include garbage)');
const t0 = Date.now();
const samples = await runSoak(4, CYCLES, 100, (s) =>
  console.log(`after ${String(s.cycles).padStart(4)} cycles: listeners ${s.listeners}, timers ${s.timers}, heap without code ${(s.heapBytes / 1048576).toFixed(2)} MiB  (${((Date.now() - t0) / 1000).toFixed(0)} s)`),
);
// The first round warms up code and caches; growth is measured from the second sample on.
const base = samples[1] ?? samples[0]!;
const last: SoakSample = samples.at(-1)!;
console.log(
  `link/unlink soak: ${last.cycles} cycles; from cycle ${base.cycles} to ${last.cycles}: listeners ${base.listeners} -> ${last.listeners}, ` +
    `timers ${base.timers} -> ${last.timers}, heap ${((last.heapBytes - base.heapBytes) / 1048576).toFixed(2)} MiB ` +
    `(${(((last.heapBytes - base.heapBytes) / base.heapBytes) * 100).toFixed(1)}%)`,
);
