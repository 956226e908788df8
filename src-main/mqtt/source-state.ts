// What a dashboard knows of the hubs on one broker, as a pure transition: the broker connection,
// each hub's status and each remote device's last published state. The driver (source.ts) turns
// MQTT traffic into inputs and runs the effects (events to the app, rows for the log).
//
// A device is online only while both its hub and our own broker connection are: the hub's
// `offline` comes from its last will, which the broker publishes once the hub's keep-alive lapses
// (1.5 x Keep Alive, MQTT 5.0 section 3.1.2.10) or at once if the hub's socket closes; our own
// connection dropping means we can no longer tell, so every hub on that broker shows offline.
import type { StatePayload } from './schemas.ts';

export type Connection = 'connecting' | 'connected' | 'disconnected';

export interface HubEntry {
  name: string;
  /** The hub's own word (its retained status), whatever our connection. */
  status: 'online' | 'offline';
  /** Epoch ms of the last status change we saw. */
  since: number;
}

export interface RemoteDeviceEntry {
  /** `HUB/aa:bb:cc:dd:ee:ff`: unique across hubs that see the same address. */
  key: string;
  hub: string;
  state: StatePayload;
}

export interface SourceState {
  connection: Connection;
  hubs: ReadonlyMap<string, HubEntry>;
  devices: ReadonlyMap<string, RemoteDeviceEntry>;
}

export type SourceInput =
  | { kind: 'connecting' }
  | { kind: 'connected'; at: number }
  | { kind: 'disconnected'; at: number; why: string }
  | { kind: 'status'; hub: string; status: 'online' | 'offline'; at: number }
  | { kind: 'state'; hub: string; state: StatePayload }
  /** An empty retained state: the hub unpaired the device. */
  | { kind: 'removed'; hub: string; address: string };

export type SourceEffect =
  | { kind: 'hub'; hub: string; online: boolean; why: string; at: number }
  | { kind: 'device-state'; key: string; hub: string; address: string; name: string | null; state: string; previous: string; reason: string; fault: string | null; at: number }
  | { kind: 'device-removed'; key: string };

export const initialSourceState: SourceState = { connection: 'connecting', hubs: new Map(), devices: new Map() };

/** The key the dashboard, its log and its renderer know a remote device by. */
export function remoteKey(hub: string, address: string): string {
  return `${hub}/${address}`;
}

/** Whether the devices of `hub` can be reached now. */
export function hubOnline(s: SourceState, hub: string): boolean {
  return s.connection === 'connected' && s.hubs.get(hub)?.status === 'online';
}

export function transition(s: SourceState, input: SourceInput): { state: SourceState; effects: SourceEffect[] } {
  switch (input.kind) {
    case 'connecting':
      return { state: { ...s, connection: 'connecting' }, effects: [] };
    case 'connected':
      // Hubs stay as they were until their retained status arrives again (right after SUBSCRIBE).
      return { state: { ...s, connection: 'connected' }, effects: [] };
    case 'disconnected': {
      if (s.connection === 'disconnected') return { state: s, effects: [] };
      const effects: SourceEffect[] = [];
      // What each hub says is unknown until its retained status comes again after we reconnect.
      const hubs = new Map<string, HubEntry>();
      for (const h of s.hubs.values()) {
        if (s.connection === 'connected' && h.status === 'online') effects.push({ kind: 'hub', hub: h.name, online: false, why: input.why, at: input.at });
        hubs.set(h.name, h.status === 'offline' ? h : { name: h.name, status: 'offline', since: input.at });
      }
      return { state: { ...s, connection: 'disconnected', hubs }, effects };
    }
    case 'status': {
      const before = hubOnline(s, input.hub);
      const old = s.hubs.get(input.hub);
      const hubs = new Map(s.hubs);
      hubs.set(input.hub, { name: input.hub, status: input.status, since: old?.status === input.status ? old.since : input.at });
      const state = { ...s, hubs };
      const after = hubOnline(state, input.hub);
      const why = input.status === 'offline' ? 'the hub went offline (its last will, or it stopped)' : 'the hub is online';
      return { state, effects: before === after ? [] : [{ kind: 'hub', hub: input.hub, online: after, why, at: input.at }] };
    }
    case 'state': {
      const p = input.state;
      const key = remoteKey(input.hub, p.address);
      const old = s.devices.get(key);
      const devices = new Map(s.devices);
      devices.set(key, { key, hub: input.hub, state: p });
      // A hub we have no status for yet still gets listed: its status topic may come later.
      const hubs = s.hubs.has(input.hub) ? s.hubs : new Map(s.hubs).set(input.hub, { name: input.hub, status: 'offline', since: p.at });
      const effects: SourceEffect[] =
        old?.state.state === p.state
          ? []
          : [{ kind: 'device-state', key, hub: input.hub, address: p.address, name: p.name, state: p.state, previous: old?.state.state ?? 'unpaired', reason: p.reason, fault: p.fault, at: p.at }];
      return { state: { ...s, hubs, devices }, effects };
    }
    case 'removed': {
      const key = remoteKey(input.hub, input.address);
      if (!s.devices.has(key)) return { state: s, effects: [] };
      const devices = new Map(s.devices);
      devices.delete(key);
      return { state: { ...s, devices }, effects: [{ kind: 'device-removed', key }] };
    }
  }
}
