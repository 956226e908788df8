// One adapter's life as a pure state machine: noble's power state, the continuous scan, and the
// one LE connection creation at a time (Core 5.4 Vol 4 Part E 7.8.12: a controller creates one
// connection at a time, and some refuse to while scanning: noble pauses the scan to connect and
// the hub resumes it once no creation is pending). transition(state, event) gives the next state
// and the effects for the driver (adapter.ts) to run; null means the event changes nothing.

import type { AdapterPower } from './adapter-state.ts';

/** A request for the connection creation slot, numbered by the driver. */
export type SlotId = number;

export type DownPower = Exclude<AdapterPower, 'poweredOn'>;

export type AdapterState =
  /** Not started: nothing listens to noble yet. */
  | { kind: 'idle' }
  /** Not usable. `wasOn`: it has been on, so noble's bindings may still believe they scan (see restarting). */
  | { kind: 'down'; power: DownPower; wasOn: boolean; queue: readonly SlotId[] }
  /**
   * On again after being on: the controller restarted but noble's bindings still believe they
   * scan and would ignore a start, so the scan is stopped first, and no connection is created
   * until noble confirms (one created meanwhile would complete unseen by noble).
   */
  | { kind: 'restarting'; queue: readonly SlotId[] }
  /** Usable. `holder` is creating a connection; `queue` waits for the slot (empty whenever holder is null). */
  | { kind: 'on'; scanning: boolean; holder: SlotId | null; queue: readonly SlotId[] }
  | { kind: 'stopped' };

export type AdapterStateKind = AdapterState['kind'];

export type AdapterEvent =
  /** The driver starts, with noble's state at that moment. */
  | { type: 'start'; power: AdapterPower }
  /** noble's stateChange. */
  | { type: 'power'; power: AdapterPower }
  /** noble's scanStop: the scan is off (noble stopped it to connect, or we asked). */
  | { type: 'scan-stopped' }
  /** A scan we started was refused. */
  | { type: 'scan-failed' }
  /** The pause after a scanStop is over (see arm-resume). */
  | { type: 'resume-due' }
  | { type: 'request-slot'; id: SlotId }
  | { type: 'release-slot'; id: SlotId }
  | { type: 'stop' };

export type AdapterEffect =
  /** Tell the hub the power state changed. */
  | { type: 'report'; power: AdapterPower }
  /** The adapter went down: noble forgot its peripherals and links, so must we. */
  | { type: 'forget' }
  | { type: 'start-scan' }
  | { type: 'stop-scan' }
  /**
   * Resume the scan after a short pause, not from inside noble's scanStop: noble emits it in the
   * middle of starting a scan (its first step is a disable), and starting another there loops.
   */
  | { type: 'arm-resume' }
  | { type: 'grant'; id: SlotId }
  /** A slot went free: waiting devices may try again. */
  | { type: 'room' }
  /** Stop noble (and its scan, if ours is on) and stop listening. */
  | { type: 'close'; scanning: boolean };

export interface AdapterTransition {
  state: AdapterState;
  effects: AdapterEffect[];
}

/** The state every event but start leaves alone: noble has not been asked anything. */
export const IDLE: AdapterState = { kind: 'idle' };

const without = (queue: readonly SlotId[], id: SlotId): readonly SlotId[] => queue.filter((x) => x !== id);

/** The adapter came on: the first in the queue gets the slot, the scan resumes after the pause. */
function on(queue: readonly SlotId[], effects: AdapterEffect[]): AdapterTransition {
  const [next, ...rest] = queue;
  effects.push({ type: 'arm-resume' });
  if (next !== undefined) effects.push({ type: 'grant', id: next });
  return { state: { kind: 'on', scanning: false, holder: next ?? null, queue: rest }, effects };
}

function down(power: DownPower, wasOn: boolean, queue: readonly SlotId[], forget: boolean): AdapterTransition {
  const effects: AdapterEffect[] = [{ type: 'report', power }];
  if (forget) effects.push({ type: 'forget' });
  return { state: { kind: 'down', power, wasOn, queue }, effects };
}

export function transition(s: AdapterState, e: AdapterEvent): AdapterTransition | null {
  if (s.kind === 'stopped') return null;
  if (e.type === 'stop') return { state: { kind: 'stopped' }, effects: [{ type: 'close', scanning: s.kind === 'on' && s.scanning }] };
  switch (s.kind) {
    case 'idle':
      if (e.type !== 'start') return null;
      if (e.power === 'poweredOn') return on([], [{ type: 'report', power: 'poweredOn' }]);
      // Nothing to say until noble knows: it reports unknown while it opens the adapter.
      if (e.power === 'unknown') return { state: { kind: 'down', power: 'unknown', wasOn: false, queue: [] }, effects: [] };
      return down(e.power, false, [], false);
    case 'down':
      switch (e.type) {
        case 'power':
          if (e.power === s.power) return null;
          if (e.power !== 'poweredOn') return down(e.power, s.wasOn, s.queue, false);
          if (!s.wasOn) return on(s.queue, [{ type: 'report', power: 'poweredOn' }]);
          return { state: { kind: 'restarting', queue: s.queue }, effects: [{ type: 'report', power: 'poweredOn' }, { type: 'stop-scan' }] };
        case 'request-slot':
          return s.queue.includes(e.id) ? null : { state: { ...s, queue: [...s.queue, e.id] }, effects: [] };
        case 'release-slot':
          return s.queue.includes(e.id) ? { state: { ...s, queue: without(s.queue, e.id) }, effects: [] } : null;
        default:
          return null;
      }
    case 'restarting':
      switch (e.type) {
        case 'scan-stopped':
          return on(s.queue, []);
        case 'power':
          return e.power === 'poweredOn' ? null : down(e.power, true, s.queue, true);
        case 'request-slot':
          return s.queue.includes(e.id) ? null : { state: { ...s, queue: [...s.queue, e.id] }, effects: [] };
        case 'release-slot':
          return s.queue.includes(e.id) ? { state: { ...s, queue: without(s.queue, e.id) }, effects: [] } : null;
        default:
          return null;
      }
    case 'on':
      switch (e.type) {
        case 'power':
          // A holder loses its slot with the adapter; its link hears of it from the hub and releases.
          return e.power === 'poweredOn' ? null : down(e.power, true, s.queue, true);
        case 'scan-stopped':
          return { state: { ...s, scanning: false }, effects: [{ type: 'arm-resume' }] };
        case 'scan-failed':
          return s.scanning ? { state: { ...s, scanning: false }, effects: [] } : null;
        case 'resume-due':
          return s.scanning || s.holder !== null ? null : { state: { ...s, scanning: true }, effects: [{ type: 'start-scan' }] };
        case 'request-slot':
          if (s.holder === e.id || s.queue.includes(e.id)) return null;
          if (s.holder === null) return { state: { ...s, holder: e.id }, effects: [{ type: 'grant', id: e.id }] };
          return { state: { ...s, queue: [...s.queue, e.id] }, effects: [] };
        case 'release-slot': {
          if (s.queue.includes(e.id)) return { state: { ...s, queue: without(s.queue, e.id) }, effects: [] };
          if (s.holder !== e.id) return null;
          // The scan resumes at once, before the next creation: noble pauses it again for that
          // one, and a device heard meanwhile is not kept waiting behind a long queue.
          const effects: AdapterEffect[] = s.scanning ? [] : [{ type: 'start-scan' }];
          const [next, ...rest] = s.queue;
          if (next !== undefined) effects.push({ type: 'grant', id: next });
          effects.push({ type: 'room' });
          return { state: { kind: 'on', scanning: true, holder: next ?? null, queue: rest }, effects };
        }
        default:
          return null;
      }
  }
}
