// Link/unlink cycles against virtual Picos: after each round every link is closed and opened
// again; listeners (on noble, its peripherals, services and characteristics, the adapters and the
// hub), active timers and the heap are sampled between rounds. Shared by the soak bench (1,000
// cycles) and the test suite (a few dozen).
import type { EventEmitter } from 'node:events';
import { getHeapSpaceStatistics } from 'node:v8';
import type { Noble } from '@stoprocent/noble';
import { linkedCount, startSimHub } from '../../test/hub/sim-hub.ts';
import { until } from './until.ts';

export interface SoakSample {
  cycles: number;
  listeners: number;
  timers: number;
  /** JS heap without code spaces, after a full GC when run with --expose-gc, else as found. */
  heapBytes: number;
}

interface NobleInternals {
  _peripherals: Map<string, EventEmitter & { services?: (EventEmitter & { characteristics?: (EventEmitter & { descriptors?: EventEmitter[] })[] })[] }>;
}

function listeners(e: EventEmitter): number {
  return e.eventNames().reduce((n, name) => n + e.listenerCount(name), 0);
}

/** Every listener the hub could leak: on noble and each object noble hands out. */
export function countListeners(nobles: Noble[], others: EventEmitter[]): number {
  let n = others.reduce((sum, e) => sum + listeners(e), 0);
  for (const noble of nobles) {
    n += listeners(noble as unknown as EventEmitter);
    for (const p of (noble as unknown as NobleInternals)._peripherals.values()) {
      n += listeners(p);
      for (const s of p.services ?? []) {
        n += listeners(s);
        for (const c of s.characteristics ?? []) {
          n += listeners(c);
          for (const d of c.descriptors ?? []) n += listeners(d);
        }
      }
    }
  }
  return n;
}

export function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

/**
 * The JS heap in use after a full GC, without V8's code spaces: compiled code grows as the JIT
 * optimises (and re-optimises) hot functions over a long run, which is not data anyone retains.
 */
function heap(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  return getHeapSpaceStatistics()
    .filter((s) => !s.space_name.startsWith('code_'))
    .reduce((n, s) => n + s.space_used_size, 0);
}

/**
 * `cycles` link/unlink cycles in all, spread over `picos` boards cycling together; `onSample`
 * gets a reading after the first round and then every `sampleEvery` cycles.
 */
export async function runSoak(picos: number, cycles: number, sampleEvery: number, onSample: (s: SoakSample) => void): Promise<SoakSample[]> {
  const h = await startSimHub({ picos }, { pingHz: 20 });
  const samples: SoakSample[] = [];
  try {
    const { hub, simulation } = h;
    await until('every Pico linked', () => linkedCount(hub) === picos, 60_000);
    const nobles = simulation.adapters.map((a) => a.noble);
    const take = (done: number): void => {
      // The virtual boards keep their last 2,000 console lines ("link up", "link down"): that
      // is the simulator's memory, not the hub's, so it is emptied before the heap is read.
      for (const p of simulation.sim.picos) p.console.splice(0);
      const s = { cycles: done, listeners: countListeners(nobles, [hub, ...simulation.adapters]), timers: activeTimers(), heapBytes: heap() };
      samples.push(s);
      onSample(s);
    };
    let done = 0;
    let nextSample = 0;
    while (done < cycles) {
      await Promise.all(
        simulation.addresses.map(async (a) => {
          await hub.disconnect(a);
          hub.connect(a);
        }),
      );
      await until('every Pico relinked', () => linkedCount(hub) === picos, 30_000, 5);
      done += picos;
      // Let the pings of the new links start before sampling, as in steady use.
      if (done >= nextSample) {
        await new Promise((r) => setTimeout(r, 100));
        take(done);
        nextSample = done === picos ? sampleEvery : nextSample + sampleEvery;
      }
    }
    return samples;
  } finally {
    await h.close();
  }
}
