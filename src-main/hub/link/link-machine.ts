// One paired device's connection life as a pure state machine: transition(state, event) gives the
// next state, why, and the effects for the driver (link-loop.ts) to run. Every state but `waiting`
// and `stopped` has a timeout, so no step can hang; failures back off with jitter. A GATT setup
// that keeps failing the same way is reported as a fault (faultOf) rather than retried silently,
// and so is a linked peer that floods PINGs (it stays linked: its excess is dropped, not its link).

export type LinkStateKind = 'stopped' | 'waiting' | 'queued' | 'connecting' | 'discovering' | 'linked' | 'backoff' | 'disconnecting';

export interface LinkState {
  kind: LinkStateKind;
  /** Failed attempts in a row; reset by a link that comes up. */
  failures: number;
  /**
   * GATT setups that failed in a row for the same cause. Reset by a link that comes up or a
   * stop, restarted by another cause; a failure before GATT setup (connecting) leaves it as is.
   */
  setup: SetupFailures | null;
  /** Set while a linked peer floods (why): only in `linked`, which every other state leaves behind. */
  flood?: string;
}

export interface SetupFailures {
  cause: string;
  times: number;
}

/** GATT setup failures in a row with one cause after which the link reports a fault. */
export const SETUP_FAULT_AFTER = 3;

/** What the link says while it floods, or while its GATT setup keeps failing the same way; null otherwise. */
export function faultOf(s: LinkState): string | null {
  if (s.flood) return s.flood;
  return s.setup && s.setup.times >= SETUP_FAULT_AFTER ? `GATT setup keeps failing (${s.setup.times} times): ${s.setup.cause}` : null;
}

export type LinkEvent =
  | { type: 'start' } // paired, or the user asked to connect
  | { type: 'stop'; reason: string } // unpaired, the user asked to disconnect, or the hub stops
  | { type: 'seen' } // the device advertised (connectable) just now
  | { type: 'slot' } // the adapter's LE connection creation is ours
  | { type: 'connected' }
  | { type: 'ready' } // GATT discovered, subscribed, session started
  | { type: 'failed'; reason: string } // in discovering, the bare cause: the machine words the reason
  | { type: 'disconnected'; reason: string }
  | { type: 'timeout'; seenRecently: boolean }
  | { type: 'adapter-down'; reason: string }
  | { type: 'flooding'; reason: string } // the linked peer sends more than its link may answer
  | { type: 'calm' }; // and no longer does

export type LinkEffect =
  | 'request-slot'
  | 'release-slot'
  | 'connect'
  | 'cancel-connect'
  | 'discover'
  | 'disconnect'
  | 'stop-session';

export interface LinkTimeouts {
  queuedMs: number;
  connectingMs: number;
  discoveringMs: number;
  disconnectingMs: number;
}

export const DEFAULT_TIMEOUTS: LinkTimeouts = {
  queuedMs: 10_000,
  connectingMs: 2_000,
  discoveringMs: 6_000,
  disconnectingMs: 3_000,
};

export interface Transition {
  state: LinkState;
  reason: string;
  effects: LinkEffect[];
  /** Arm the state's timer for this long (ms); absent: no timer. A backoff gives its own delay. */
  timeoutMs?: number;
}

export interface MachineOptions {
  timeouts: LinkTimeouts;
  backoff: (attempt: number) => number;
}

const at = (kind: LinkStateKind, failures: number, setup: SetupFailures | null = null): LinkState => ({ kind, failures, setup });

/** Returns null when the event means nothing in this state (it is ignored, not an error). */
export function transition(s: LinkState, e: LinkEvent, o: MachineOptions): Transition | null {
  const t = o.timeouts;
  if (e.type === 'stop') {
    const effects: LinkEffect[] = [];
    if (s.kind === 'queued') effects.push('release-slot');
    if (s.kind === 'connecting') effects.push('cancel-connect', 'release-slot');
    if (s.kind === 'discovering' || s.kind === 'linked') effects.push('stop-session', 'disconnect');
    if (s.kind === 'stopped') return null;
    // A link being torn down is only stopped once the controller says so.
    if (s.kind === 'discovering' || s.kind === 'linked' || s.kind === 'disconnecting') {
      return { state: at('disconnecting', 0), reason: e.reason, effects, timeoutMs: t.disconnectingMs };
    }
    return { state: at('stopped', 0), reason: e.reason, effects };
  }
  const fail = (reason: string, effects: LinkEffect[], setup = s.setup): Transition => {
    const failures = s.failures + 1;
    return { state: at('backoff', failures, setup), reason, effects, timeoutMs: o.backoff(failures) };
  };
  // A GATT setup failure, counted by cause: the same cause again and again is a fault, and the
  // failure says so instead of its single-failure reason.
  const failSetup = (cause: string, reason: string, effects: LinkEffect[]): Transition => {
    const t = fail(reason, effects, { cause, times: s.setup?.cause === cause ? s.setup.times + 1 : 1 });
    return { ...t, reason: faultOf(t.state) ?? reason };
  };
  const keep = (kind: LinkStateKind): LinkState => at(kind, s.failures, s.setup);
  switch (s.kind) {
    case 'stopped':
      return e.type === 'start' ? { state: at('waiting', 0), reason: 'started', effects: [] } : null;
    case 'waiting':
      if (e.type === 'seen') return { state: keep('queued'), reason: 'advertising', effects: ['request-slot'], timeoutMs: t.queuedMs };
      return null;
    case 'queued':
      if (e.type === 'slot') return { state: keep('connecting'), reason: 'connecting', effects: ['connect'], timeoutMs: t.connectingMs };
      if (e.type === 'timeout') return { state: keep('waiting'), reason: 'no connection slot in time', effects: ['release-slot'] };
      if (e.type === 'adapter-down') return { state: keep('waiting'), reason: e.reason, effects: ['release-slot'] };
      return null;
    case 'connecting':
      if (e.type === 'connected') return { state: keep('discovering'), reason: 'connected', effects: ['release-slot', 'discover'], timeoutMs: t.discoveringMs };
      if (e.type === 'failed') return fail(e.reason, ['release-slot']);
      if (e.type === 'timeout') return fail('connection not established in time', ['cancel-connect', 'release-slot']);
      if (e.type === 'adapter-down') return { state: keep('waiting'), reason: e.reason, effects: ['release-slot'] };
      return null;
    case 'discovering':
      if (e.type === 'ready') return { state: at('linked', 0), reason: 'linked', effects: [] };
      if (e.type === 'failed') return failSetup(e.reason, `GATT setup failed: ${e.reason}`, ['stop-session', 'disconnect']);
      if (e.type === 'disconnected') return failSetup(e.reason, e.reason, ['stop-session']);
      if (e.type === 'timeout') return failSetup('not done in time', 'GATT setup not done in time', ['stop-session', 'disconnect']);
      if (e.type === 'adapter-down') return { state: keep('waiting'), reason: e.reason, effects: ['stop-session'] };
      return null;
    case 'linked':
      // A link that was up went down: the device is likely rebooting or out of range, not
      // failing, so wait for its next advertisement rather than backing off.
      if (e.type === 'disconnected') return { state: at('waiting', 0), reason: e.reason, effects: ['stop-session'] };
      if (e.type === 'failed') return fail(e.reason, ['stop-session', 'disconnect']);
      if (e.type === 'adapter-down') return { state: at('waiting', 0), reason: e.reason, effects: ['stop-session'] };
      if (e.type === 'flooding') return { state: { ...at('linked', 0), flood: e.reason }, reason: e.reason, effects: [] };
      if (e.type === 'calm' && s.flood) return { state: at('linked', 0), reason: 'linked; no longer flooding', effects: [] };
      return null;
    case 'backoff':
      if (e.type === 'timeout') {
        return e.seenRecently
          ? { state: keep('queued'), reason: 'retrying', effects: ['request-slot'], timeoutMs: t.queuedMs }
          : { state: keep('waiting'), reason: 'waiting for an advertisement', effects: [] };
      }
      if (e.type === 'adapter-down') return { state: keep('waiting'), reason: e.reason, effects: [] };
      return null;
    case 'disconnecting':
      if (e.type === 'disconnected' || e.type === 'timeout' || e.type === 'adapter-down') {
        return { state: at('stopped', 0), reason: e.type === 'timeout' ? 'disconnect not confirmed in time' : 'disconnected', effects: [] };
      }
      return null;
  }
}
