import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src-main/hub/link/backoff.ts';
import { DEFAULT_TIMEOUTS, transition, type LinkEvent, type LinkState, type LinkStateKind, type Transition } from '../../src-main/hub/link/link-machine.ts';

const o = { timeouts: DEFAULT_TIMEOUTS, backoff: (n: number) => n * 100 };
const s = (kind: LinkStateKind, failures = 0): LinkState => ({ kind, failures });
const step = (state: LinkState, e: LinkEvent): Transition => {
  const t = transition(state, e, o);
  if (!t) throw new Error(`${state.kind} ignores ${e.type}`);
  return t;
};

/** Runs events from `start`, returning the states visited. */
function run(start: LinkState, events: LinkEvent[]): LinkStateKind[] {
  let state = start;
  return events.map((e) => (state = step(state, e).state).kind);
}

const ALL: LinkEvent[] = [
  { type: 'start' },
  { type: 'stop', reason: 'x' },
  { type: 'seen' },
  { type: 'slot' },
  { type: 'connected' },
  { type: 'ready' },
  { type: 'failed', reason: 'f' },
  { type: 'disconnected', reason: 'd' },
  { type: 'timeout', seenRecently: true },
  { type: 'timeout', seenRecently: false },
  { type: 'adapter-down', reason: 'off' },
];
const KINDS: LinkStateKind[] = ['stopped', 'waiting', 'queued', 'connecting', 'discovering', 'linked', 'backoff', 'disconnecting'];

describe('link machine', () => {
  it('walks the happy path with a timer on every transient step', () => {
    let state = s('stopped');
    const seen: [LinkStateKind, string[], number | undefined][] = [];
    for (const e of [{ type: 'start' }, { type: 'seen' }, { type: 'slot' }, { type: 'connected' }, { type: 'ready' }] as LinkEvent[]) {
      const t = step(state, e);
      seen.push([t.state.kind, t.effects, t.timeoutMs]);
      state = t.state;
    }
    expect(seen).toEqual([
      ['waiting', [], undefined],
      ['queued', ['request-slot'], DEFAULT_TIMEOUTS.queuedMs],
      ['connecting', ['connect'], DEFAULT_TIMEOUTS.connectingMs],
      ['discovering', ['release-slot', 'discover'], DEFAULT_TIMEOUTS.discoveringMs],
      ['linked', [], undefined],
    ]);
  });

  it('every state but waiting, linked and stopped arms a timer when entered', () => {
    for (const kind of KINDS) {
      for (const e of ALL) {
        const t = transition(s(kind, 1), e, o);
        if (!t) continue;
        const untimed = ['waiting', 'linked', 'stopped'].includes(t.state.kind);
        expect(t.timeoutMs === undefined, `${kind} --${e.type}--> ${t.state.kind}`).toBe(untimed);
        expect(t.reason.length, `${kind} --${e.type}--> reason`).toBeGreaterThan(0);
      }
    }
  });

  it('every slot requested is released on every way out of queued and connecting', () => {
    for (const kind of ['queued', 'connecting'] as const) {
      for (const e of ALL) {
        const t = transition(s(kind), e, o);
        if (!t || t.state.kind === 'connecting' || (kind === 'queued' && t.state.kind === 'queued')) continue;
        expect(t.effects, `${kind} --${e.type}--> ${t.state.kind}`).toContain('release-slot');
      }
    }
  });

  it('a failure backs off longer each time, and a link resets the count', () => {
    const f1 = step(s('connecting', 0), { type: 'failed', reason: 'refused' });
    expect(f1.state).toEqual(s('backoff', 1));
    expect(f1.timeoutMs).toBe(100);
    const f3 = step(s('discovering', 2), { type: 'timeout', seenRecently: true });
    expect(f3.state).toEqual(s('backoff', 3));
    expect(f3.timeoutMs).toBe(300);
    expect(f3.effects).toEqual(['stop-session', 'disconnect']);
    expect(step(s('discovering', 5), { type: 'ready' }).state).toEqual(s('linked', 0));
  });

  it('after backoff, retries at once if the device is advertising, else waits for it', () => {
    expect(step(s('backoff', 2), { type: 'timeout', seenRecently: true }).state).toEqual(s('queued', 2));
    expect(step(s('backoff', 2), { type: 'timeout', seenRecently: false }).state).toEqual(s('waiting', 2));
  });

  it('a link that drops waits for the next advertisement without backing off', () => {
    const t = step(s('linked'), { type: 'disconnected', reason: 'supervision timeout' });
    expect(t.state).toEqual(s('waiting', 0));
    expect(t.effects).toEqual(['stop-session']);
    expect(t.reason).toBe('supervision timeout');
  });

  it('stop from a live link disconnects and ends in stopped once confirmed or timed out', () => {
    const t = step(s('linked'), { type: 'stop', reason: 'unpaired' });
    expect(t.state.kind).toBe('disconnecting');
    expect(t.effects).toEqual(['stop-session', 'disconnect']);
    expect(run(t.state, [{ type: 'disconnected', reason: 'x' }])).toEqual(['stopped']);
    expect(run(t.state, [{ type: 'timeout', seenRecently: false }])).toEqual(['stopped']);
    expect(step(s('connecting'), { type: 'stop', reason: 'x' }).effects).toEqual(['cancel-connect', 'release-slot']);
    expect(transition(s('stopped'), { type: 'stop', reason: 'x' }, o)).toBeNull();
  });

  it('adapter loss from any active state returns to waiting', () => {
    for (const kind of ['queued', 'connecting', 'discovering', 'linked', 'backoff'] as const) {
      expect(step(s(kind), { type: 'adapter-down', reason: 'off' }).state.kind, kind).toBe('waiting');
    }
  });

  it('ignores events that mean nothing in a state', () => {
    expect(transition(s('waiting'), { type: 'connected' }, o)).toBeNull();
    expect(transition(s('linked'), { type: 'seen' }, o)).toBeNull();
    expect(transition(s('stopped'), { type: 'seen' }, o)).toBeNull();
  });
});

describe('backoff', () => {
  it('doubles from 250 ms to a cap of 8 s, with half of each step random', () => {
    const lo = (n: number) => backoffDelay(n, { random: () => 0 });
    const hi = (n: number) => backoffDelay(n, { random: () => 0.999999 });
    expect([1, 2, 3, 4, 5, 6, 7, 50].map(lo)).toEqual([125, 250, 500, 1000, 2000, 4000, 4000, 4000]);
    expect([1, 2, 6, 50].map(hi)).toEqual([250, 500, 8000, 8000]);
  });
});
