// A PING flood against the hub, shared by the flood bench (bench/flood-bench.ts) and the test
// suite (test/hub/ping-flood.int.test.ts): two virtual Picos running the real firmware and a rogue
// peripheral (test/hub/ping-flood-peer.ts) on ONE virtual adapter. The rogue notifies values
// packed with PINGs as fast as its link carries them. Reports, before and during the flood, what
// the good links lose and their round trips, how long noble's adapter-wide ACL queue gets, and how
// the hub shows the rogue (state, fault, bad count, what went to the log).
import { aclQueueLength } from '../../src-main/hub/adapter/noble-outbound.ts';
import type { HubLog } from '../../src-main/hub/hub.ts';
import { PingFloodPeer, type FloodShape } from '../../test/hub/ping-flood-peer.ts';
import { startSimHub } from '../../test/hub/sim-hub.ts';
import { until } from './until.ts';
import { percentile } from '../percentile.ts';

export interface PingFloodOptions {
  goodPicos: number;
  pingHz: number;
  baselineSeconds: number;
  floodSeconds: number;
  shape?: Partial<FloodShape>;
}

export interface PhaseFigures {
  /** Pings sent in the phase, per good link. */
  sent: number[];
  lossPercent: number[];
  p50Ms: number[];
  p99Ms: number[];
  /** noble's adapter-wide ACL queue, sampled every 20 ms. */
  queueMax: number;
  queueEnd: number;
}

export interface PingFloodReport {
  baseline: PhaseFigures;
  flood: PhaseFigures;
  rogue: {
    pingsSent: number;
    pingsPerValue: number;
    /** PONGs the hub wrote back to the rogue during the flood. */
    pongsReceived: number;
    state: string;
    fault: string | null;
    bad: number;
    /** State reasons the hub logged for the rogue. */
    logged: string[];
  };
  goodStates: string[];
  hubErrors: string[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Ping {
  address: string;
  sentAt: number;
  rttMs: number | null;
}

function figures(pings: Ping[], good: string[], from: number, to: number, queue: number[]): PhaseFigures {
  const out: PhaseFigures = { sent: [], lossPercent: [], p50Ms: [], p99Ms: [], queueMax: Math.max(0, ...queue), queueEnd: queue.at(-1) ?? 0 };
  for (const a of good) {
    const mine = pings.filter((p) => p.address === a && p.sentAt >= from && p.sentAt < to);
    const rtts = mine.flatMap((p) => (p.rttMs === null ? [] : [p.rttMs])).sort((x, y) => x - y);
    out.sent.push(mine.length);
    out.lossPercent.push(mine.length ? ((mine.length - rtts.length) / mine.length) * 100 : NaN);
    out.p50Ms.push(percentile(rtts, 50));
    out.p99Ms.push(percentile(rtts, 99));
  }
  return out;
}

export async function runHubPingFlood(o: PingFloodOptions): Promise<PingFloodReport> {
  const logged: { device: string; reason: string }[] = [];
  const log: HubLog = {
    addSample: () => {},
    addMessage: () => {},
    addThroughput: () => {},
    addEvent: (e) => void logged.push({ device: e.device, reason: e.reason ?? '' }),
  };
  const h = await startSimHub({ picos: o.goodPicos, adapters: 1 }, { pingHz: o.pingHz, log });
  const hubErrors: string[] = [];
  const onError = (e: Error): void => void hubErrors.push(e.stack ?? e.message);
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  const rogue = await PingFloodPeer.start(h.simulation.radio, 'rogue', o.shape);
  try {
    const { hub, simulation } = h;
    const good = simulation.addresses;
    const noble = simulation.adapters[0]!.noble;
    await hub.pair(rogue.address);
    await until('every link up', () => hub.status().filter((d) => d.state === 'linked').length === good.length + 1, 60_000);
    const pings: Ping[] = [];
    hub.on('sample', ({ address, sample }) => void pings.push({ address, sentAt: sample.sentAt, rttMs: sample.rttMs }));
    hub.on('lost', ({ address, lost }) => void pings.push({ address, sentAt: lost.sentAt, rttMs: null }));
    const queue: number[] = [];
    const sampler = setInterval(() => queue.push(aclQueueLength(noble) ?? NaN), 20);
    // Every ping of a phase ends (answered or timed out, 2 s) before the phase's figures are taken.
    const settle = 2_500;
    const t0 = Date.now();
    await sleep(o.baselineSeconds * 1000);
    const t1 = Date.now();
    const baseQueue = queue.splice(0);
    const pongsBefore = rogue.pongsReceived;
    rogue.flood();
    await sleep(o.floodSeconds * 1000);
    const t2 = Date.now();
    const floodQueue = queue.splice(0);
    await sleep(settle);
    clearInterval(sampler);
    const rogueStatus = hub.status().find((d) => d.address === rogue.address)!;
    const report: PingFloodReport = {
      baseline: figures(pings, good, t0, t1, baseQueue),
      flood: figures(pings, good, t1, t2, floodQueue),
      rogue: {
        pingsSent: rogue.pings,
        pingsPerValue: rogue.pingsInEachValue,
        pongsReceived: rogue.pongsReceived - pongsBefore,
        state: rogueStatus.state,
        fault: rogueStatus.fault,
        bad: rogueStatus.bad,
        logged: logged.filter((e) => e.device === rogue.address).map((e) => e.reason),
      },
      goodStates: hub.status().filter((d) => good.includes(d.address)).map((d) => d.state),
      hubErrors,
    };
    rogue.stop();
    return report;
  } finally {
    process.off('uncaughtException', onError);
    process.off('unhandledRejection', onError);
    rogue.close();
    await h.close();
  }
}
