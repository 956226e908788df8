import { describe, expect, it, vi } from 'vitest';
import type { DeviceView } from '../../src-main/ipc/contract.ts';
import { adapterProblem, fixCommand, sortDevices } from '../../src-renderer/src/lib/devices.ts';
import { FrameBatcher } from '../../src-renderer/src/lib/frames.ts';

const snap = { count: 0, lost: 0, lossPercent: 0, p50: null, p95: null, p99: null, max: null, mean: null };
const dev = (address: string, name: string | null, paired: boolean): DeviceView => ({
  address, name, paired, state: paired ? 'linked' : 'unpaired', reason: '', fault: null, adapter: null, profile: 'picolink', rssi: -50, lastSeen: 0,
  mtu: null, intervalMs: 7.5, window: snap, total: snap, firmwareMs: null, messagesIn: 0, messagesOut: 0, bad: 0, lastThroughput: null,
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

describe('adapterProblem and fixCommand', () => {
  const msg =
    'Not allowed to use hci0: raw HCI access needs the CAP_NET_RAW and CAP_NET_ADMIN capabilities. Run: sudo setcap cap_net_raw,cap_net_admin+eip "$(readlink -f "$(which node)")" (or use dbus for BlueZ), or try the simulator: --sim 4';
  it('reports nothing while any adapter is on', () => {
    expect(adapterProblem([{ name: 'hci0', state: 'poweredOn', message: '' }, { name: 'hci1', state: 'unsupported', message: '' }])).toBeNull();
    expect(adapterProblem([])).toBeNull();
  });
  it('ranks unauthorized over off over unsupported, and waits on the rest', () => {
    expect(adapterProblem([{ name: 'a', state: 'unsupported', message: '' }, { name: 'b', state: 'unauthorized', message: msg }])?.kind).toBe('unauthorized');
    expect(adapterProblem([{ name: 'a', state: 'unsupported', message: '' }, { name: 'b', state: 'poweredOff', message: '' }])?.kind).toBe('poweredOff');
    expect(adapterProblem([{ name: 'a', state: 'unsupported', message: 'x' }])).toEqual({ kind: 'unsupported', adapter: { name: 'a', state: 'unsupported', message: 'x' } });
    expect(adapterProblem([{ name: 'a', state: 'resetting', message: '' }])?.kind).toBe('waiting');
  });
  it('extracts the setcap command from the Linux message', () => {
    expect(fixCommand(msg)).toBe('sudo setcap cap_net_raw,cap_net_admin+eip "$(readlink -f "$(which node)")"');
    expect(fixCommand('Run: sudo setcap cap_net_raw+eip /usr/bin/node')).toBe('sudo setcap cap_net_raw+eip /usr/bin/node');
    expect(fixCommand('allow this app in System Settings')).toBeNull();
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
