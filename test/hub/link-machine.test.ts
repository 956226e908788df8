import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src-main/hub/link/backoff.ts';
import { DEFAULT_TIMEOUTS, SETUP_FAULT_AFTER, faultOf, transition, type LinkEvent, type LinkState, type LinkStateKind, type SetupFailures, type Transition } from '../../src-main/hub/link/link-machine.ts';

const o = { timeouts: DEFAULT_TIMEOUTS, backoff: (n: number) => n * 100 };
const s = (kind: LinkStateKind, failures = 0, setup: SetupFailures | null = null): LinkState => ({ kind, failures, setup });
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
  { type: 'flooding', reason: 'flooding: many PINGs' },
  { type: 'calm' },
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
    expect(f3.state).toEqual(s('backoff', 3, { cause: 'not done in time', times: 1 }));
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

describe('a GATT setup that keeps failing', () => {
  /** One retry round from backoff: advertising, a slot, connected, then `outcome` during GATT setup. */
  const round = (from: LinkState, outcome: LinkEvent): Transition => {
    let state = from;
    for (const e of [{ type: 'timeout', seenRecently: true }, { type: 'slot' }, { type: 'connected' }] as LinkEvent[]) state = step(state, e).state;
    expect(state.kind).toBe('discovering');
    return step(state, outcome);
  };
  const first = (outcome: LinkEvent): Transition => step(step(step(step(step(s('stopped'), { type: 'start' }).state, { type: 'seen' }).state, { type: 'slot' }).state, { type: 'connected' }).state, outcome);

  it(`says so after ${SETUP_FAULT_AFTER} failures with the same cause, and keeps retrying with the backoff`, () => {
    const cause: LinkEvent = { type: 'failed', reason: 'no Write Response to the CCCD write' };
    const reasons: string[] = [];
    const delays: (number | undefined)[] = [];
    let t = first(cause);
    for (let i = 0; i < 5; i++) {
      reasons.push(t.reason);
      delays.push(t.timeoutMs);
      expect(t.state.kind).toBe('backoff');
      expect(t.effects).toEqual(['stop-session', 'disconnect']);
      if (i < 4) t = round(t.state, cause);
    }
    expect(SETUP_FAULT_AFTER).toBe(3);
    expect(reasons).toEqual([
      'GATT setup failed: no Write Response to the CCCD write',
      'GATT setup failed: no Write Response to the CCCD write',
      'GATT setup keeps failing (3 times): no Write Response to the CCCD write',
      'GATT setup keeps failing (4 times): no Write Response to the CCCD write',
      'GATT setup keeps failing (5 times): no Write Response to the CCCD write',
    ]);
    // The existing backoff, growing with every failure (o.backoff is n * 100).
    expect(delays).toEqual([100, 200, 300, 400, 500]);
    expect(t.state.setup).toEqual({ cause: 'no Write Response to the CCCD write', times: 5 });
  });

  it('counts timeouts and disconnections during GATT setup as causes of their own', () => {
    let t = first({ type: 'timeout', seenRecently: true });
    expect(t.reason).toBe('GATT setup not done in time');
    t = round(t.state, { type: 'timeout', seenRecently: true });
    t = round(t.state, { type: 'timeout', seenRecently: true });
    expect(t.reason).toBe('GATT setup keeps failing (3 times): not done in time');
    let d = first({ type: 'disconnected', reason: 'disconnected: Remote User Terminated Connection' });
    d = round(d.state, { type: 'disconnected', reason: 'disconnected: Remote User Terminated Connection' });
    d = round(d.state, { type: 'disconnected', reason: 'disconnected: Remote User Terminated Connection' });
    expect(d.reason).toBe('GATT setup keeps failing (3 times): disconnected: Remote User Terminated Connection');
    expect(d.effects).toEqual(['stop-session']);
  });

  it('starts counting again when the cause changes', () => {
    let t = first({ type: 'failed', reason: 'a' });
    t = round(t.state, { type: 'failed', reason: 'a' });
    t = round(t.state, { type: 'timeout', seenRecently: true });
    expect(t.state.setup).toEqual({ cause: 'not done in time', times: 1 });
    expect(t.reason).toBe('GATT setup not done in time');
    t = round(t.state, { type: 'timeout', seenRecently: true });
    expect(faultOf(t.state)).toBeNull();
    t = round(t.state, { type: 'timeout', seenRecently: true });
    expect(faultOf(t.state)).toBe('GATT setup keeps failing (3 times): not done in time');
  });

  it('the fault outlasts the retry: every state until a link carries it, and a link or a stop clears it', () => {
    const stuck = s('backoff', 3, { cause: 'x', times: 3 });
    let state = stuck;
    for (const e of [{ type: 'timeout', seenRecently: true }, { type: 'slot' }, { type: 'connected' }] as LinkEvent[]) {
      state = step(state, e).state;
      expect(faultOf(state), state.kind).toBe('GATT setup keeps failing (3 times): x');
    }
    // The retry's own steps keep their plain reasons; the fault travels beside them.
    expect(step(stuck, { type: 'timeout', seenRecently: true }).reason).toBe('retrying');
    expect(faultOf(step(stuck, { type: 'timeout', seenRecently: false }).state)).not.toBeNull();
    expect(faultOf(step(stuck, { type: 'adapter-down', reason: 'off' }).state)).not.toBeNull();
    // A connection attempt that fails before GATT setup neither counts nor clears.
    const connecting = step(step(stuck, { type: 'timeout', seenRecently: true }).state, { type: 'slot' }).state;
    const refused = step(connecting, { type: 'failed', reason: 'connect failed: refused' });
    expect(refused.state.setup).toEqual({ cause: 'x', times: 3 });
    expect(refused.reason).toBe('connect failed: refused');
    expect(faultOf(refused.state)).toBe('GATT setup keeps failing (3 times): x');
    const linked = step(step(step(connecting, { type: 'connected' }).state, { type: 'ready' }).state, { type: 'disconnected', reason: 'gone' });
    expect(linked.state.setup).toBeNull();
    expect(faultOf(step(s('discovering', 3, { cause: 'x', times: 3 }), { type: 'ready' }).state)).toBeNull();
    expect(step(stuck, { type: 'stop', reason: 'unpaired' }).state.setup).toBeNull();
    expect(step(s('discovering', 3, { cause: 'x', times: 3 }), { type: 'stop', reason: 'unpaired' }).state.setup).toBeNull();
  });

  it('no other state or event invents a setup failure', () => {
    for (const kind of KINDS) {
      if (kind === 'discovering') continue;
      for (const e of ALL) {
        const t = transition(s(kind, 1), e, o);
        if (t) expect(t.state.setup, `${kind} --${e.type}-->`).toBeNull();
      }
    }
  });
});

describe('a linked peer that floods', () => {
  const flooding: LinkEvent = { type: 'flooding', reason: 'flooding: many PINGs' };

  it('stays linked, says so as reason and fault, and a calm spell clears it', () => {
    const t = step(s('linked'), flooding);
    expect(t.state.kind).toBe('linked');
    expect(t.effects).toEqual([]);
    expect(t.timeoutMs).toBeUndefined();
    expect(t.reason).toBe('flooding: many PINGs');
    expect(faultOf(t.state)).toBe('flooding: many PINGs');
    const calm = step(t.state, { type: 'calm' });
    expect(calm.state).toEqual(s('linked'));
    expect(calm.reason).toBe('linked; no longer flooding');
    expect(faultOf(calm.state)).toBeNull();
    expect(transition(s('linked'), { type: 'calm' }, o)).toBeNull();
  });

  it('every way out of linked leaves the flood behind', () => {
    const t = step(s('linked'), flooding);
    for (const e of ALL) {
      const next = transition(t.state, e, o);
      if (next && next.state.kind !== 'linked') expect(faultOf(next.state), `linked --${e.type}-->`).toBeNull();
    }
  });

  it('means nothing outside linked', () => {
    for (const kind of KINDS) {
      if (kind === 'linked') continue;
      expect(transition(s(kind), flooding, o), kind).toBeNull();
      expect(transition(s(kind), { type: 'calm' }, o), kind).toBeNull();
    }
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
