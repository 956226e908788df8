// The link loop driver against real Adapters on fake nobles, in virtual time: the timeouts, the
// backoff, one connection creation per adapter, stale callbacks, the connection limit learned
// from a refusal, an adapter going off and on under live links. The rig wires adapters to loops
// as the hub does (hub.ts adapterState, wakeWaiting, sighting).
import type { Peripheral } from '@stoprocent/noble';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src-main/hci/clock.ts';
import { Adapter, DEFAULT_CONNECT_PARAMS, SCAN_RESUME_MS } from '../../src-main/hub/adapter/adapter.ts';
import { adapterStatusLabel, type HostInfo } from '../../src-main/hub/adapter/adapter-state.ts';
import type { GattChannel } from '../../src-main/hub/link/gatt-channel.ts';
import { LinkLoop, type LinkLoopContext, type LinkStateChange } from '../../src-main/hub/link/link-loop.ts';
import { DEFAULT_TIMEOUTS } from '../../src-main/hub/link/link-machine.ts';
import { PlainTextSession } from '../../src-main/hub/protocol/plain-text-session.ts';
import { FakeNoble, settle, type FakePeripheral } from './fake-noble.ts';

const LINUX: HostInfo = { platform: 'linux', execPath: '/usr/bin/node' };
const A = 'aa:aa:aa:aa:aa:01';
const B = 'aa:aa:aa:aa:aa:02';
const C = 'aa:aa:aa:aa:aa:03';
const { connectingMs, discoveringMs } = DEFAULT_TIMEOUTS;

interface GattRequest {
  peripheral: Peripheral;
  resolve: (c: GattChannel) => void;
  reject: (e: Error) => void;
}

function channel(): GattChannel & { closed: number } {
  const session = new PlainTextSession({ mtu: 23, write: () => {} });
  return {
    profile: 'nus',
    session,
    picolink: null,
    mtu: 23,
    readProbe: async () => {},
    notice: null,
    linkLayer: () => null,
    closed: 0,
    close() {
      this.closed++;
      session.close();
    },
  };
}

function rig(adapterCount = 1) {
  const clock = new ManualClock();
  const nobles = Array.from({ length: adapterCount }, () => new FakeNoble());
  const adapters = nobles.map((n, i) => new Adapter(`hci${i}`, n.noble, { clock, host: LINUX }));
  const heard = new Set<string>();
  const gatt: GattRequest[] = [];
  const loops = new Map<string, LinkLoop>();
  const changes: LinkStateChange[] = [];
  const ctx: LinkLoopContext = {
    pickAdapter: (address) => {
      const a = adapters.find((x) => x.poweredOn && x.canReach(address) && x.hasRoom());
      return a ?? { none: 'no adapter with room has heard it' };
    },
    seenRecently: (address) => heard.has(address),
    connectParams: DEFAULT_CONNECT_PARAMS,
    pingHz: 0,
    pingTimeoutMs: 2_000,
    timeouts: DEFAULT_TIMEOUTS,
    backoff: (n) => n * 100,
    clock,
    wallClock: () => 1_000_000 + clock.now(),
    openChannel: (peripheral) => new Promise((resolve, reject) => gatt.push({ peripheral, resolve, reject })),
  };
  const wake = (): void => {
    for (const l of loops.values()) if (heard.has(l.address)) l.seen();
  };
  for (const a of adapters) {
    a.on('state', (power, status) => {
      if (power === 'poweredOn') wake();
      else for (const l of loops.values()) l.adapterDown(a, adapterStatusLabel(a.name, status));
    });
    a.on('room', wake);
    a.on('sighting', (s) => {
      heard.add(s.address);
      loops.get(s.address)?.seen();
    });
    a.start();
  }
  const loop = (address: string): LinkLoop => {
    const l = new LinkLoop(address, null, ctx);
    l.on('state', (c) => changes.push(c));
    loops.set(address, l);
    l.start();
    return l;
  };
  /** Every adapter on and scanning, each hearing `addresses`. */
  const powerOn = (...addresses: string[]): void => {
    for (const n of nobles) n.become('poweredOn');
    clock.advance(SCAN_RESUME_MS);
    for (const n of nobles) for (const a of addresses) n.hear(a);
  };
  const trail = (address: string): string[] => changes.filter((c) => c.address === address).map((c) => c.state);
  return { clock, nobles, noble: nobles[0]!, adapters, adapter: adapters[0]!, heard, gatt, loop, powerOn, trail, changes };
}

type Rig = ReturnType<typeof rig>;

/** Connects `address` through the first noble and finishes its GATT setup: the loop is linked. */
async function link(r: Rig, address: string): Promise<FakePeripheral> {
  const p = r.noble.answer(address)!;
  const req = r.gatt.at(-1)!;
  expect(req.peripheral).toBe(p.peripheral);
  req.resolve(channel());
  await settle();
  return p;
}

describe('LinkLoop driver', () => {
  it('links through its adapter, each step stamped with the clock’s time', async () => {
    const r = rig();
    const l = r.loop(A);
    expect(r.trail(A)).toEqual(['waiting']); // nothing heard yet
    r.powerOn(A);
    expect(r.trail(A)).toEqual(['waiting', 'queued', 'connecting']);
    expect(r.noble.calls.at(-1)).toBe('connect aaaaaaaaaa01');
    r.clock.advance(5);
    await link(r, A);
    expect(r.trail(A)).toEqual(['waiting', 'queued', 'connecting', 'discovering', 'linked']);
    expect(l.linked).toBe(true);
    expect(r.adapter.links).toEqual(new Set([A]));
    expect(r.changes.map((c) => c.at)).toEqual([1_000_000, 1_000_020, 1_000_020, 1_000_025, 1_000_025]);
    expect(r.changes.at(-1)).toMatchObject({ adapter: 'hci0', reason: 'linked', fault: null });
  });

  it('cancels a connection not made in time, gives the slot back, and retries after a backoff that grows', () => {
    const r = rig();
    r.loop(A);
    r.powerOn(A);
    r.clock.advance(connectingMs - 1);
    expect(r.trail(A).at(-1)).toBe('connecting');
    r.clock.advance(1);
    expect(r.trail(A).at(-1)).toBe('backoff');
    expect(r.changes.at(-1)!.reason).toBe('connection not established in time');
    expect(r.noble.calls.filter((c) => c.startsWith('cancelConnect'))).toEqual(['cancelConnect aaaaaaaaaa01']);
    expect(r.adapter.phase).toMatchObject({ holder: null });
    // backoff(1) = 100 ms, then at once queued, granted and connecting again.
    r.clock.advance(99);
    expect(r.noble.connectsTo(A)).toBe(1);
    r.clock.advance(1);
    expect(r.noble.connectsTo(A)).toBe(2);
    r.clock.advance(connectingMs + 199);
    expect(r.noble.connectsTo(A)).toBe(2);
    r.clock.advance(1); // backoff(2) = 200 ms
    expect(r.noble.connectsTo(A)).toBe(3);
    expect(r.trail(A).slice(-4)).toEqual(['connecting', 'backoff', 'queued', 'connecting']);
  });

  it('waits for an advertisement after a backoff when the device went quiet', () => {
    const r = rig();
    r.loop(A);
    r.powerOn(A);
    r.noble.answer(A, 'Connection Failed to be Established (0x3e)');
    expect(r.changes.at(-1)!.reason).toBe('connect failed: Connection Failed to be Established (0x3e)');
    r.heard.delete(A);
    r.clock.advance(100);
    expect(r.trail(A).at(-1)).toBe('waiting');
    r.noble.hear(A);
    expect(r.trail(A).at(-1)).toBe('connecting');
  });

  it('lets one connection be created per adapter at a time', async () => {
    const r = rig();
    r.loop(A);
    r.loop(B);
    r.powerOn(A, B);
    expect(r.trail(A).at(-1)).toBe('connecting');
    expect(r.trail(B).at(-1)).toBe('queued');
    expect(r.noble.connectsTo(B)).toBe(0);
    await link(r, A);
    expect(r.trail(B).at(-1)).toBe('connecting');
    expect(r.noble.calls.filter((c) => c.startsWith('connect '))).toEqual(['connect aaaaaaaaaa01', 'connect aaaaaaaaaa02']);
    // A loop that waits too long for the slot gives up its place and waits for the next chance.
    const r2 = rig();
    r2.loop(A);
    r2.loop(B);
    r2.powerOn(A, B);
    r2.clock.advance(DEFAULT_TIMEOUTS.queuedMs - 1);
    expect(r2.trail(B).at(-1)).toBe('queued');
  });

  it('ignores a connect callback from an attempt that timed out', async () => {
    const r = rig();
    const l = r.loop(A);
    r.powerOn(A);
    r.noble.stopsAtOnce = true;
    // noble forgets to call back on cancel (a controller that completed the connection anyway).
    const late = r.noble.pending.splice(0)[0]!;
    r.clock.advance(connectingMs);
    expect(r.trail(A).at(-1)).toBe('backoff');
    r.clock.advance(100);
    expect(r.trail(A).at(-1)).toBe('connecting');
    const stale = { id: A.replace(/:/g, ''), address: A, once: () => {}, removeListener: () => {}, disconnect: () => {} } as unknown as Peripheral;
    late.done(undefined, stale);
    expect(r.trail(A).at(-1)).toBe('connecting');
    expect(r.adapter.links.size).toBe(0);
    const p = await link(r, A);
    expect(l.linked).toBe(true);
    expect(r.gatt.map((g) => g.peripheral)).toEqual([p.peripheral]);
  });

  it('closes a channel whose GATT setup finished after its timeout, and relinks with a fresh one', async () => {
    const r = rig();
    const l = r.loop(A);
    r.powerOn(A);
    const p = r.noble.answer(A)!;
    const slow = r.gatt[0]!;
    r.clock.advance(discoveringMs);
    expect(r.changes.at(-1)!.reason).toBe('GATT setup not done in time');
    expect(p.disconnects).toBe(1);
    p.drop(0x16);
    const old = channel();
    slow.resolve(old);
    await settle();
    expect(old.closed).toBe(1);
    expect(l.linked).toBe(false);
    expect(r.adapter.links.size).toBe(0);
    r.clock.advance(100);
    await link(r, A);
    expect(l.linked).toBe(true);
  });

  it('runs each input to its end: a listener that stops the link as it starts connecting leaves no connection behind', async () => {
    const r = rig();
    const l = r.loop(A);
    let stopped: Promise<void> | null = null;
    l.on('state', (c) => {
      if (c.state === 'connecting' && !stopped) stopped = l.stop('the user changed their mind');
    });
    r.powerOn(A);
    expect(r.trail(A)).toEqual(['waiting', 'queued', 'connecting', 'stopped']);
    // The connect was asked for before the stop was handled, and the stop cancelled it.
    expect(r.noble.calls.filter((c) => c.includes('aaaaaaaaaa01'))).toEqual(['connect aaaaaaaaaa01', 'cancelConnect aaaaaaaaaa01']);
    expect(r.noble.pending).toEqual([]);
    expect(r.adapter.phase).toMatchObject({ holder: null });
    await stopped;
  });

  it('learns the adapter’s connection limit from a refusal and waits for room', async () => {
    const r = rig();
    r.loop(A);
    r.loop(B);
    r.loop(C);
    r.powerOn(A, B, C);
    const pa = await link(r, A);
    await link(r, B);
    expect(r.trail(C).at(-1)).toBe('connecting');
    r.noble.answer(C, 'Connection Limit Exceeded (0x9)');
    expect(r.adapter.limit).toBe(2);
    expect(r.changes.at(-1)).toMatchObject({ address: C, state: 'backoff', reason: 'connect failed: Connection Limit Exceeded (0x09)' });
    r.clock.advance(100);
    expect(r.changes.at(-1)).toMatchObject({ address: C, state: 'waiting', reason: 'no adapter with room has heard it' });
    expect(r.noble.connectsTo(C)).toBe(1);
    // A's link drops: its room goes to C.
    pa.drop(0x08);
    const afterLink = r.changes.filter((c) => c.address === A && c.previous === 'linked');
    expect(afterLink).toMatchObject([{ state: 'waiting', reason: 'disconnected: Connection Timeout (0x08)' }]);
    expect(r.trail(C).at(-1)).toBe('connecting');
    expect(r.noble.connectsTo(C)).toBe(2);
  });

  it('keeps links through an adapter going off and on: every loop waits, then relinks once the adapter hears it again', async () => {
    const r = rig();
    const la = r.loop(A);
    const lb = r.loop(B);
    r.powerOn(A, B);
    const pa = await link(r, A);
    await link(r, B);
    r.noble.become('poweredOff');
    expect([la.state.kind, lb.state.kind]).toEqual(['waiting', 'waiting']);
    expect(r.changes.at(-1)!.reason).toBe('Bluetooth is off on hci0');
    expect(r.adapter.links.size).toBe(0);
    // noble's late disconnect for the link the adapter lost changes nothing.
    pa.drop(0x16);
    expect(la.state.kind).toBe('waiting');
    r.noble.calls.length = 0;
    r.noble.become('poweredOn');
    expect(r.noble.calls).toEqual(['stopScanning']);
    // Not reachable until this adapter's scan hears it again (noble forgot it).
    expect(la.state.kind).toBe('waiting');
    r.clock.advance(SCAN_RESUME_MS);
    r.noble.hear(A);
    r.noble.hear(B);
    expect([la.state.kind, lb.state.kind]).toEqual(['connecting', 'queued']);
    await link(r, A);
    await link(r, B);
    expect([la.linked, lb.linked]).toEqual([true, true]);
  });

  it('moves to another adapter when its own goes off', async () => {
    const r = rig(2);
    const l = r.loop(A);
    r.powerOn(A);
    expect(l.adapter?.name).toBe('hci0');
    await link(r, A);
    r.nobles[0]!.become('poweredOff');
    expect(l.state.kind).toBe('waiting');
    r.nobles[1]!.hear(A);
    expect(l.state.kind).toBe('connecting');
    expect(l.adapter?.name).toBe('hci1');
    expect(r.nobles[1]!.connectsTo(A)).toBe(1);
  });

  it('stops a live link once the controller confirms, or after its timeout, and can start again', async () => {
    const r = rig();
    const l = r.loop(A);
    r.powerOn(A);
    const p = await link(r, A);
    let done = false;
    const stopping = l.stop('unpaired').then(() => (done = true));
    expect(l.state.kind).toBe('disconnecting');
    expect(p.disconnects).toBe(1);
    l.start(); // asked to start while disconnecting: starts once stopped
    p.drop(0x16);
    await stopping;
    expect(done).toBe(true);
    expect(r.trail(A).slice(-5)).toEqual(['disconnecting', 'stopped', 'waiting', 'queued', 'connecting']);
    expect(l.state.kind).toBe('connecting');
    // No confirmation at all: stopped after disconnectingMs.
    await link(r, A);
    const silent = l.stop('hub stopping');
    r.clock.advance(DEFAULT_TIMEOUTS.disconnectingMs - 1);
    expect(l.state.kind).toBe('disconnecting');
    r.clock.advance(1);
    expect(l.state.kind).toBe('stopped');
    await silent;
    expect(l.reason).toBe('disconnect not confirmed in time');
  });
});
