// Fault scenarios for the hub on the virtual radio, shared by the fault bench (full size) and the
// test suite (small): random power cycles, a Pico walked out of range and back, packet errors on
// some links, and a controller whose connection limit is below the paired count. Each returns
// figures; callers decide what must hold.
import type { LinkStateChange } from '../../src-main/hub/link/link-loop.ts';
import { linkedCount, startSimHub, type SimHub } from '../../test/hub/sim-hub.ts';
import { until } from './until.ts';

export interface FaultOptions {
  picos: number;
  powerCycles: number;
  /** Pico pairs with this packet error rate to every adapter. */
  perLinks: number;
  per: number;
  pingHz: number;
  /** Seconds of steady running with packet errors before the cycles start. */
  steadySeconds: number;
  seed?: number;
}

export interface FaultReport {
  relinkMs: number[];
  outOfRangeRelinkMs: number;
  /** Loss % on the links with packet errors, and on the others, over the steady phase. */
  perLossPercent: number[];
  cleanLossPercent: number[];
  perP99Ms: number[];
  hubErrors: string[];
}

export interface LimitReport {
  limit: number;
  paired: number;
  /** Linked count sampled every 100 ms over the steady window. */
  linkedMin: number;
  linkedMax: number;
  /** After a linked Pico powers off, how long until the freed slot is in use again. */
  slotReusedMs: number;
}

/** A small deterministic PRNG (mulberry32), so a failing run can be repeated. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Resolves when the device links next (the time it did). Listening starts at the call, before the
 * Pico is back, because a connection the hub has already asked for completes the moment the Pico
 * advertises, with no scan report in between.
 */
function nextLink(h: SimHub, address: string, timeoutMs = 30_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const onState = (c: LinkStateChange): void => {
      if (c.address !== address || c.state !== 'linked') return;
      done();
      resolve(c.at);
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`${address} did not relink within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      h.hub.off('state', onState);
    };
    h.hub.on('state', onState);
  });
}

export async function runFaults(o: FaultOptions): Promise<FaultReport> {
  const random = rng(o.seed ?? 1);
  const h = await startSimHub({ picos: o.picos }, { pingHz: o.pingHz });
  const hubErrors: string[] = [];
  const onError = (e: Error): void => void hubErrors.push(e.stack ?? e.message);
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  try {
    const { hub, simulation } = h;
    const picos = simulation.sim.picos;
    await until('every Pico linked', () => linkedCount(hub) === o.picos, 60_000);
    const adapters = simulation.adapters.map((a) => a.name);
    const noisy = picos.slice(0, o.perLinks);
    for (const p of noisy) for (const a of adapters) simulation.radio.setPacketErrorRate(p.name, a, o.per);
    const before = new Map(hub.status().map((d) => [d.address, { count: d.total.count, lost: d.total.lost }]));
    await sleep(o.steadySeconds * 1000);
    const loss = (address: string): { loss: number; p99: number | null } => {
      const d = hub.status().find((x) => x.address === address)!;
      const b = before.get(address)!;
      const n = d.total.count - b.count;
      const l = d.total.lost - b.lost;
      return { loss: n + l ? (l / (n + l)) * 100 : 0, p99: d.window.p99 };
    };
    const noisyAddresses = new Set(noisy.map((p) => p.node.controller.options.address.toLowerCase()));
    const perLossPercent = [...noisyAddresses].map((a) => loss(a).loss);
    const perP99Ms = [...noisyAddresses].map((a) => loss(a).p99 ?? NaN);
    const cleanLossPercent = simulation.addresses.filter((a) => !noisyAddresses.has(a)).map((a) => loss(a).loss);

    // Power cycles: each picks an idle Pico, cuts its power for 0.2-1.5 s and waits for its relink
    // in the background; a new cycle starts every 0.4-1.2 s, so several overlap.
    const relinkMs: number[] = [];
    const busy = new Set<number>();
    const pending: Promise<void>[] = [];
    for (let n = 0; n < o.powerCycles; n++) {
      let i: number;
      do i = Math.floor(random() * picos.length);
      while (busy.has(i) && busy.size < picos.length);
      if (busy.has(i)) {
        await Promise.race(pending);
        n--;
        continue;
      }
      busy.add(i);
      const p = picos[i]!;
      const address = simulation.addresses[i]!;
      const cycle = (async () => {
        await p.powerOff();
        await sleep(200 + random() * 1300);
        const linked = nextLink(h, address);
        // Booted: main.py starts and advertises within milliseconds, so this bounds "advertising again".
        await p.powerOn();
        const booted = Date.now();
        relinkMs.push(Math.max(0, (await linked) - booted));
      })().finally(() => {
        busy.delete(i);
        pending.splice(pending.indexOf(cycle), 1);
      });
      pending.push(cycle);
      await sleep(400 + random() * 800);
    }
    await Promise.all(pending);

    // Out of range and back: far enough that nothing is heard, until the link is gone.
    const walker = picos[picos.length - 1]!;
    const walkerAddress = simulation.addresses[picos.length - 1]!;
    walker.move({ x: 10_000, y: 10_000 });
    await until('the walker dropped', () => hub.status().find((d) => d.address === walkerAddress)?.state !== 'linked', 15_000);
    await sleep(2_000);
    const linked = nextLink(h, walkerAddress);
    const back = Date.now();
    walker.move({ x: picos.length, y: 1 });
    const outOfRangeRelinkMs = (await linked) - back;
    await until('every Pico linked again', () => linkedCount(hub) === o.picos, 30_000);
    return { relinkMs, outOfRangeRelinkMs, perLossPercent, cleanLossPercent, perP99Ms, hubErrors };
  } finally {
    process.off('uncaughtException', onError);
    process.off('unhandledRejection', onError);
    await h.close();
  }
}

/** More paired Picos than the one adapter's controller allows; the hub is not told the limit. */
export async function runLimit(picos: number, limit: number, steadySeconds: number): Promise<LimitReport> {
  const h = await startSimHub({ picos, adapters: 1, adapterLimit: limit, announceLimit: false }, { pingHz: 10 });
  try {
    const { hub, simulation } = h;
    await until(`${limit} links`, () => linkedCount(hub) === limit, 60_000);
    let linkedMin = Infinity;
    let linkedMax = 0;
    for (let t = 0; t < steadySeconds * 10; t++) {
      const n = linkedCount(hub);
      linkedMin = Math.min(linkedMin, n);
      linkedMax = Math.max(linkedMax, n);
      await sleep(100);
    }
    const victim = hub.status().find((d) => d.state === 'linked')!;
    const i = simulation.addresses.indexOf(victim.address);
    const off = Date.now();
    await simulation.sim.picos[i]!.powerOff();
    await until('the victim dropped', () => hub.status().find((d) => d.address === victim.address)?.state !== 'linked', 10_000);
    await until('the freed slot in use', () => linkedCount(hub) === limit, 30_000);
    return { limit, paired: picos, linkedMin, linkedMax, slotReusedMs: Date.now() - off };
  } finally {
    await h.close();
  }
}
