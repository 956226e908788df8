// One latency-under-load run on a simulated hub (issue 15 point 4), shared by
// load-latency.int.test.ts and bench/load-latency.ts: ping two links idle, then stream a throughput
// test on one while both keep pinging; report the RTTs and the stream beside the link's physical
// limit, computed from the connection as the air runs it.
import { linkCapacity, type Phy } from '../../src-main/hci/airtime.ts';
import type { PingSample } from '../../src-main/hub/latency/pinger.ts';
import { valueOctets } from '../../src-main/hub/protocol/bulk-pace.ts';
import type { LinkThroughput } from '../../src-main/hub/link/link-loop.ts';
import { percentile } from '../../bench/percentile.ts';
import type { SimHub } from './sim-hub.ts';

export interface RttFigures {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

export interface LoadRun {
  phy: Phy;
  intervalMs: number;
  mtu: number;
  /** LL payload octets the Pico (the notifying side) may put in a PDU. */
  txOctets: number;
  maxEventUs: number;
  /** THROUGHPUT_DATA frames the hub let the Pico have unacknowledged (null: firmware cannot be asked). */
  ahead: number | null;
  /** The limit the hub computed from the link as its adapter reported it (hub/adapter/noble-link-layer.ts). */
  hubLimit: number;
  /** ATT value octets per second the link can carry Pico to hub (linkCapacity). */
  capacity: number;
  bytesPerSecond: number;
  octets: number;
  busyIdle: RttFigures;
  otherIdle: RttFigures;
  busy: RttFigures;
  other: RttFigures;
}

function figures(rtts: number[]): RttFigures {
  const s = [...rtts].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p99: percentile(s, 99), max: s.at(-1) ?? NaN };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function linkLoadRun(h: SimHub, o: { busy: string; other: string; idleMs: number; loadMs: number }): Promise<LoadRun> {
  const { hub, simulation } = h;
  const addr = (name: string): string => hub.status().find((d) => d.name === name)!.address;
  const busyAddr = addr(o.busy);
  const otherAddr = addr(o.other);
  // The connection as the air runs it: PHY, interval, data length and event length the controllers settled on.
  const node = simulation.radio.get(o.busy);
  const conn = simulation.radio.air.allConnections().find((c) => c.peripheral.peer === node.controller);
  if (!conn) throw new Error(`no air connection to ${o.busy}`);
  const mtu = hub.status().find((d) => d.address === busyAddr)!.mtu ?? 23;
  const samples = new Map<string, { at: number; rtt: number; fw: number }[]>([
    [busyAddr, []],
    [otherAddr, []],
  ]);
  const onSample = ({ address, sample }: { address: string; sample: PingSample }): void => {
    samples.get(address)?.push({ at: performance.now(), rtt: sample.rttMs, fw: sample.firmwareUs ?? 0 });
  };
  hub.on('sample', onSample);
  try {
    // The idle phase also gives INFO time to arrive: the hub asks for bulk ahead only of firmware
    // whose INFO says it can (the result's limit.ahead shows whether it did).
    const t0 = performance.now();
    await sleep(o.idleMs);
    const t1 = performance.now();
    const capacity = linkCapacity({
      phy: conn.phy,
      intervalMs: conn.intervalMs,
      maxTxOctets: conn.peripheral.txOctets,
      attMtu: valueOctets(mtu) + 3,
      maxEventUs: conn.maxEventUs,
      op: 'notify',
    }).applicationBytesPerSecond;
    const octets = Math.max(20_000, Math.round((capacity * o.loadMs) / 1000));
    const done = new Promise<LinkThroughput>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('throughput run did not finish')), o.loadMs * 10 + 20_000);
      hub.on('throughput', function on({ address, result }) {
        if (address !== busyAddr) return;
        clearTimeout(timer);
        hub.off('throughput', on);
        resolve(result);
      });
    });
    hub.throughput(o.busy, octets);
    const result = await done;
    const t2 = performance.now();
    // LOAD_RUN_TRACE=1 prints the loaded link's samples: ms since the run began: RTT ms / firmware ms.
    if (process.env.LOAD_RUN_TRACE) for (const a of [busyAddr, otherAddr]) console.log(samples.get(a)!.filter((x) => x.at >= t1).map((x) => `${Math.round(x.at - t1)}:${x.rtt.toFixed(0)}/${Math.round(x.fw / 1000)}`).join(' '));
    const within = (a: string, from: number, to: number): number[] => samples.get(a)!.filter((s) => s.at >= from && s.at <= to).map((s) => s.rtt);
    return {
      phy: conn.phy,
      intervalMs: conn.intervalMs,
      mtu,
      txOctets: conn.peripheral.txOctets,
      maxEventUs: conn.maxEventUs,
      ahead: result.limit.ahead,
      hubLimit: result.limit.bytesPerSecond,
      capacity,
      bytesPerSecond: result.bytesPerSecond,
      octets: result.octets,
      busyIdle: figures(within(busyAddr, t0, t1)),
      otherIdle: figures(within(otherAddr, t0, t1)),
      // Pings answered after the first frames went out: the run proper, not its request.
      busy: figures(within(busyAddr, t1 + 2 * conn.intervalMs, t2)),
      other: figures(within(otherAddr, t1, t2)),
    };
  } finally {
    hub.off('sample', onSample);
  }
}
