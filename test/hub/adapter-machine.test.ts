import { describe, expect, it } from 'vitest';
import { transition, type AdapterEffect, type AdapterEvent, type AdapterState, type AdapterStateKind, type AdapterTransition } from '../../src-main/hub/adapter/adapter-machine.ts';
import { ADAPTER_POWERS, type AdapterPower } from '../../src-main/hub/adapter/adapter-state.ts';

const on = (scanning: boolean, holder: number | null = null, queue: number[] = []): AdapterState => ({ kind: 'on', scanning, holder, queue });
const down = (power: Exclude<AdapterPower, 'poweredOn'>, wasOn: boolean, queue: number[] = []): AdapterState => ({ kind: 'down', power, wasOn, queue });

/** Every kind, with the variants that change what an event does (a holder, a queue, a scan, having been on). */
const STATES: AdapterState[] = [
  { kind: 'idle' },
  down('unknown', false),
  down('poweredOff', false, [7]),
  down('poweredOff', true, [7, 8]),
  down('unauthorized', false),
  down('resetting', true),
  { kind: 'restarting', queue: [] },
  { kind: 'restarting', queue: [7, 8] },
  on(false),
  on(true),
  on(false, 7),
  on(true, 7, [8]),
  { kind: 'stopped' },
];
const KINDS: AdapterStateKind[] = ['idle', 'down', 'restarting', 'on', 'stopped'];

const EVENTS: AdapterEvent[] = [
  ...ADAPTER_POWERS.map((power): AdapterEvent => ({ type: 'start', power })),
  ...ADAPTER_POWERS.map((power): AdapterEvent => ({ type: 'power', power })),
  { type: 'scan-stopped' },
  { type: 'scan-failed' },
  { type: 'resume-due' },
  { type: 'request-slot', id: 7 },
  { type: 'request-slot', id: 9 },
  { type: 'release-slot', id: 7 },
  { type: 'release-slot', id: 8 },
  { type: 'release-slot', id: 9 },
  { type: 'stop' },
];

const label = (s: AdapterState, e: AdapterEvent): string => `${JSON.stringify(s)} --${JSON.stringify(e)}-->`;
const slots = (s: AdapterState): number[] => (s.kind === 'on' ? [...(s.holder === null ? [] : [s.holder]), ...s.queue] : s.kind === 'down' || s.kind === 'restarting' ? [...s.queue] : []);
const holder = (s: AdapterState): number | null => (s.kind === 'on' ? s.holder : null);
/** The power state the hub has been told: nothing before the first report. */
const reported = (s: AdapterState): AdapterPower | null => (s.kind === 'on' || s.kind === 'restarting' ? 'poweredOn' : s.kind === 'down' ? s.power : s.kind === 'idle' ? 'unknown' : null);
const of = <T extends AdapterEffect['type']>(effects: AdapterEffect[], type: T): Extract<AdapterEffect, { type: T }>[] =>
  effects.filter((f): f is Extract<AdapterEffect, { type: T }> => f.type === type);

function walk(check: (s: AdapterState, e: AdapterEvent, t: AdapterTransition | null) => void): void {
  for (const s of STATES) for (const e of EVENTS) check(s, e, transition(s, e));
}

describe('adapter machine, every state against every event', () => {
  it('covers every kind of state', () => {
    expect(new Set(STATES.map((s) => s.kind))).toEqual(new Set(KINDS));
  });

  it('a stopped adapter ignores everything; stop from anywhere else closes noble once', () => {
    walk((s, e, t) => {
      if (s.kind === 'stopped') return expect(t, label(s, e)).toBeNull();
      if (e.type !== 'stop') return;
      expect(t, label(s, e)).toEqual({ state: { kind: 'stopped' }, effects: [{ type: 'close', scanning: s.kind === 'on' && s.scanning }] });
    });
  });

  it('an adapter not started answers only start', () => {
    walk((s, e, t) => {
      if (s.kind === 'idle' && e.type !== 'start' && e.type !== 'stop') expect(t, label(s, e)).toBeNull();
      if (s.kind !== 'idle' && e.type === 'start') expect(t, label(s, e)).toBeNull();
    });
  });

  it('keeps the slot well formed: a holder whenever anyone waits, no request twice', () => {
    walk((s, e, t) => {
      if (!t) return;
      const ids = slots(t.state);
      expect(new Set(ids).size, label(s, e)).toBe(ids.length);
      if (t.state.kind === 'on' && t.state.holder === null) expect(t.state.queue, label(s, e)).toEqual([]);
    });
  });

  it('loses no request and invents none: requests join, releases leave, only power loss drops the holder', () => {
    walk((s, e, t) => {
      if (!t || t.state.kind === 'stopped') return;
      const expected = new Set(slots(s));
      if (e.type === 'request-slot' && t.state.kind !== 'idle') expected.add(e.id);
      if (e.type === 'release-slot') expected.delete(e.id);
      if (s.kind === 'on' && t.state.kind === 'down' && s.holder !== null) expected.delete(s.holder);
      expect(new Set(slots(t.state)), label(s, e)).toEqual(expected);
    });
  });

  it('grants only the new holder, once, and never while restarting or down', () => {
    walk((s, e, t) => {
      if (!t) return;
      const grants = of(t.effects, 'grant');
      expect(grants.length, label(s, e)).toBeLessThanOrEqual(1);
      if (grants.length) {
        expect(grants[0]!.id, label(s, e)).toBe(holder(t.state));
        expect(holder(s), label(s, e)).not.toBe(grants[0]!.id);
      } else if (t.state.kind === 'on' && t.state.holder !== null) {
        // Holding without being granted: only by keeping the slot one already had.
        expect(holder(s), label(s, e)).toBe(t.state.holder);
      }
    });
  });

  it('says room exactly when the holder gives the slot back', () => {
    walk((s, e, t) => {
      if (!t) return;
      const released = e.type === 'release-slot' && holder(s) === e.id;
      expect(of(t.effects, 'room').length, label(s, e)).toBe(released ? 1 : 0);
    });
  });

  it('reports each change of power once, and only a change', () => {
    walk((s, e, t) => {
      if (!t || t.state.kind === 'stopped') return;
      const before = reported(s);
      const after = reported(t.state);
      const reports = of(t.effects, 'report');
      expect(reports, label(s, e)).toEqual(before !== after ? [{ type: 'report', power: after }] : []);
    });
  });

  it('forgets peripherals and links whenever the adapter goes down from on, and only then', () => {
    walk((s, e, t) => {
      if (!t) return;
      const lost = (s.kind === 'on' || s.kind === 'restarting') && t.state.kind === 'down';
      expect(of(t.effects, 'forget').length, label(s, e)).toBe(lost ? 1 : 0);
    });
  });

  it('starts a scan only when on, with no connection being created, and marks it started', () => {
    walk((s, e, t) => {
      if (!t || !of(t.effects, 'start-scan').length) return;
      expect(t.state.kind, label(s, e)).toBe('on');
      if (t.state.kind === 'on') expect(t.state.scanning, label(s, e)).toBe(true);
      expect(s.kind === 'on' && s.scanning, label(s, e)).toBe(false);
      // A release resumes it though the next holder is granted at once (noble pauses it again).
      if (e.type !== 'release-slot') expect(holder(t.state), label(s, e)).toBeNull();
    });
  });

  it('comes back on after being on only through restarting, asking noble to stop its stale scan', () => {
    walk((s, e, t) => {
      if (!t) return;
      const back = s.kind === 'down' && s.wasOn && e.type === 'power' && e.power === 'poweredOn';
      if (back) expect(t.state.kind, label(s, e)).toBe('restarting');
      expect(of(t.effects, 'stop-scan').length, label(s, e)).toBe(back ? 1 : 0);
    });
  });
});

describe('adapter machine paths', () => {
  const run = (from: AdapterState, events: AdapterEvent[]): { state: AdapterState; effects: AdapterEffect[] } => {
    let state = from;
    const effects: AdapterEffect[] = [];
    for (const e of events) {
      const t = transition(state, e);
      if (!t) continue;
      state = t.state;
      effects.push(...t.effects);
    }
    return { state, effects };
  };

  it('comes on, resumes the scan after the pause, and hands the slot out one at a time', () => {
    const r = run({ kind: 'idle' }, [
      { type: 'start', power: 'unknown' },
      { type: 'power', power: 'poweredOn' },
      { type: 'resume-due' },
      { type: 'request-slot', id: 1 },
      { type: 'request-slot', id: 2 },
      { type: 'scan-stopped' }, // noble paused the scan to connect
      { type: 'resume-due' }, // not while a connection is being created
      { type: 'release-slot', id: 1 },
    ]);
    expect(r.effects).toEqual([
      { type: 'report', power: 'poweredOn' },
      { type: 'arm-resume' },
      { type: 'start-scan' },
      { type: 'grant', id: 1 },
      { type: 'arm-resume' },
      { type: 'start-scan' },
      { type: 'grant', id: 2 },
      { type: 'room' },
    ]);
    expect(r.state).toEqual(on(true, 2));
  });

  it('after a restart, waits for noble to confirm the scan stopped before creating a connection', () => {
    const r = run(on(true, 1, [2]), [
      { type: 'power', power: 'poweredOff' },
      { type: 'power', power: 'poweredOn' },
      { type: 'resume-due' },
    ]);
    expect(r.state).toEqual({ kind: 'restarting', queue: [2] });
    expect(r.effects).toEqual([{ type: 'report', power: 'poweredOff' }, { type: 'forget' }, { type: 'report', power: 'poweredOn' }, { type: 'stop-scan' }]);
    const after = transition(r.state, { type: 'scan-stopped' });
    expect(after).toEqual({ state: on(false, 2), effects: [{ type: 'arm-resume' }, { type: 'grant', id: 2 }] });
  });

  it('a refused scan is tried again after the next scanStop, not in a loop', () => {
    const t = transition(on(true), { type: 'scan-failed' });
    expect(t).toEqual({ state: on(false), effects: [] });
    expect(transition(on(false), { type: 'scan-failed' })).toBeNull();
  });
});
