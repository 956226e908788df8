import { describe, expect, it, vi } from 'vitest';
import type { AdapterView, DeviceView } from '../../src-main/ipc/contract.ts';
import { adapterProblem, sortDevices } from '../../src-renderer/src/lib/devices.ts';
import { FrameBatcher } from '../../src-renderer/src/lib/frames.ts';

const snap = { count: 0, lost: 0, lossPercent: 0, p50: null, p95: null, p99: null, max: null, mean: null };
const dev = (address: string, name: string | null, paired: boolean): DeviceView => ({
  address, name, paired, state: paired ? 'linked' : 'unpaired', reason: '', fault: null, adapter: null, profile: 'picolink', rssi: -50, lastSeen: 0,
  mtu: null, intervalMs: 7.5, window: snap, total: snap, firmwareMs: null, messagesIn: 0, messagesOut: 0, bad: 0, lastThroughput: null, hub: null, online: true,
});

describe('sortDevices', () => {
  it('puts paired devices first, then orders by name (numeric-aware), unnamed last', () => {
    const sorted = sortDevices([
      dev('00:00:00:00:00:05', null, false),
      dev('00:00:00:00:00:01', 'pico-10', false),
      dev('00:00:00:00:00:02', 'pico-2', false),
      dev('00:00:00:00:00:03', 'zeta', true),
      dev('00:00:00:00:00:04', 'alpha', true),
    ]);
    expect(sorted.map((d) => d.name)).toEqual(['alpha', 'zeta', 'pico-2', 'pico-10', null]);
  });
});

describe('adapterProblem', () => {
  const on: AdapterView = { name: 'hci0', state: 'poweredOn', code: 'powered-on', hint: {} };
  const unsupported: AdapterView = { name: 'a', state: 'unsupported', code: 'unsupported', hint: {} };
  const off: AdapterView = { name: 'b', state: 'poweredOff', code: 'powered-off', hint: { platform: 'linux' } };
  const unauthorized: AdapterView = { name: 'b', state: 'unauthorized', code: 'unauthorized', hint: { platform: 'linux', setcap: 'sudo setcap cap_net_raw,cap_net_admin+eip /usr/bin/node' } };
  it('reports nothing while any adapter is on', () => {
    expect(adapterProblem([on, unsupported])).toBeNull();
    expect(adapterProblem([])).toBeNull();
  });
  it('ranks unauthorized over off over unsupported, and waits on the rest', () => {
    expect(adapterProblem([unsupported, unauthorized])?.kind).toBe('unauthorized');
    expect(adapterProblem([unsupported, off])?.kind).toBe('poweredOff');
    expect(adapterProblem([unsupported])).toEqual({ kind: 'unsupported', adapter: unsupported });
    expect(adapterProblem([{ name: 'a', state: 'resetting', code: 'resetting', hint: {} }])?.kind).toBe('waiting');
    expect(adapterProblem([{ name: 'sim-hci0', state: 'poweredOff', code: 'sim-off', hint: {} }])?.kind).toBe('waiting');
  });
  it('offers the simulator for every adapter that cannot be opened or answers nothing', () => {
    const cannot: AdapterView[] = [
      { name: 'uart:/dev/x', state: 'unsupported', code: 'port-missing', hint: { port: '/dev/x' } },
      { name: 'system adapter', state: 'unsupported', code: 'start-failed', hint: { cause: 'gone' } },
      { name: 'uart:/dev/x', state: 'poweredOff', code: 'no-controller', hint: { port: '/dev/x', baudRate: null } },
    ];
    for (const a of cannot) expect(adapterProblem([a])?.kind, a.code).toBe('unsupported');
  });
});

describe('FrameBatcher', () => {
  function fakeFrames() {
    const queue: ((t: number) => void)[] = [];
    let clock = 0;
    const batcher = new FrameBatcher((cb) => queue.push(cb), () => clock, 4);
    const frame = (work = 0) => {
      const q = queue.splice(0);
      for (const cb of q) {
        clock += work;
        cb(clock);
      }
      return q.length;
    };
    return { batcher, frame, advance: (ms: number) => (clock += ms) };
  }

  it('runs each key at most once per frame, the latest request winning', () => {
    const { batcher, frame } = fakeFrames();
    const calls: string[] = [];
    const k1 = {};
    const k2 = {};
    batcher.request(k1, () => calls.push('k1-old'));
    batcher.request(k1, () => calls.push('k1'));
    batcher.request(k2, () => calls.push('k2'));
    expect(batcher.pending).toBe(2);
    expect(frame()).toBe(1); // one animation frame asked for, not three
    expect(calls).toEqual(['k1', 'k2']);
    expect(frame()).toBe(0); // nothing new: no frame scheduled
  });

  it('cancels, survives throwing work, and times each frame', () => {
    const { batcher, frame, advance } = fakeFrames();
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const k = {};
    batcher.request(k, () => {
      throw new Error('boom');
    });
    batcher.request({}, () => advance(5));
    const cancelled = {};
    let ran = false;
    batcher.request(cancelled, () => (ran = true));
    batcher.cancel(cancelled);
    frame();
    expect(errors).toHaveBeenCalledTimes(1);
    errors.mockRestore();
    expect(ran).toBe(false);
    expect(batcher.frames).toBe(1);
    expect(batcher.percentile(95)).toBe(5);
    for (const ms of [1, 2, 3, 4]) {
      batcher.request(k, () => advance(ms));
      frame();
    }
    // The ring holds the last 4 frames: 1..4 ms.
    expect(batcher.percentile(50)).toBe(2);
    expect(batcher.percentile(100)).toBe(4);
  });
});

describe('FrameBatcher budget', () => {
  it('spreads work over frames once the budget is spent, oldest first', () => {
    const queue: (() => void)[] = [];
    let clock = 0;
    const b = new FrameBatcher((cb) => queue.push(() => cb(clock)), () => clock, 16, 10);
    const ran: string[] = [];
    for (const name of ['a', 'b', 'c', 'd']) b.request({ name }, () => ((clock += 6), ran.push(name)));
    queue.shift()!();
    expect(ran).toEqual(['a', 'b']); // 6 ms, then 12 ms ≥ 10: stop
    expect(b.pending).toBe(2);
    const late = {};
    b.request(late, () => ran.push('late'));
    queue.shift()!();
    expect(ran).toEqual(['a', 'b', 'c', 'd']);
    queue.shift()!();
    expect(ran).toEqual(['a', 'b', 'c', 'd', 'late']);
    expect(queue).toHaveLength(0);
  });
});
