// The topic tree a hub publishes under and listens on, built and parsed in one place:
//
//   PREFIX/HUB/status                 online | offline (retained; offline is the last will)
//   PREFIX/HUB/events                 hub-wide events (warnings, dropped publishes)
//   PREFIX/HUB/pair, PREFIX/HUB/unpair        commands in
//   PREFIX/HUB/reply/CLIENT           the suggested reply topic for a requester named CLIENT
//   PREFIX/HUB/DEVICE/state|samples|stats|rx|events     out
//   PREFIX/HUB/DEVICE/tx|connect|disconnect             commands in
//
// DEVICE is the Bluetooth address as 12 lower-case hex digits, no separators ("aabbccddeeff").
// Colons would be legal in a topic (MQTT 5.0 §4.7: only '/', '+', '#' and U+0000 are special),
// but the bare form is also a valid Home Assistant object_id and file name, never collides with
// the fixed levels above (none is 12 hex digits), and normaliseAddress reads it back. Payloads
// carry the colon form and the device's name.
import { normaliseAddress } from '../hub/discovery/address.ts';

export const DEFAULT_PREFIX = 'picolink';

/** Topics a hub publishes per device. */
export const DEVICE_OUT = ['state', 'samples', 'stats', 'rx', 'events'] as const;
/** Command topics a hub subscribes per device. */
export const DEVICE_IN = ['tx', 'connect', 'disconnect'] as const;
/** Command topics a hub subscribes once. */
export const HUB_IN = ['pair', 'unpair'] as const;

export type DeviceOutKind = (typeof DEVICE_OUT)[number];
export type DeviceInKind = (typeof DEVICE_IN)[number];
export type HubInKind = (typeof HUB_IN)[number];
export type DeviceTopicKind = DeviceOutKind | DeviceInKind;

export type ParsedTopic =
  | { hub: string; kind: 'status' | 'events' | HubInKind }
  | { hub: string; kind: 'reply'; client: string }
  | { hub: string; kind: DeviceTopicKind; device: string };

export class TopicError extends Error {
  override readonly name = 'TopicError';
}

/** The longest hub name: it appears in every topic and in Home Assistant's entity names. */
export const MAX_HUB_NAME = 64;

/**
 * Why `level` cannot be one level of a topic name, or null if it can. A level may hold any UTF-8
 * except '/' (the separator, §4.7.1.1), the wildcards '+' and '#' (§4.7.1.2-3; they are only
 * refused in filters, but a name holding them cannot be subscribed to exactly) and U+0000
 * (§1.5.4). A leading '$' is kept for the server's own topics (§4.7.2).
 */
export function levelProblem(level: string, what: string): string | null {
  if (level.length === 0) return `${what} is empty`;
  if (/[/+#]/.test(level) || level.includes('\u0000')) return `${what} "${level}" has one of / + # or NUL, which MQTT topics reserve`;
  if (level.startsWith('$')) return `${what} "${level}" starts with $, which MQTT keeps for the broker's own topics`;
  return null;
}

/** A hub name as given by the user: refused with a clear message if it cannot be a topic level. */
export function checkHubName(name: string): string {
  const p = levelProblem(name, 'the hub name') ?? (name.length > MAX_HUB_NAME ? `the hub name is longer than ${MAX_HUB_NAME} characters` : null);
  if (p) throw new TopicError(p);
  return name;
}

/** The default hub name from a host name: letters, digits, '-' and '_' only ("pi-4.local" -> "pi-4-local"). */
export function sanitiseHubName(hostname: string): string {
  const s = hostname
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_HUB_NAME);
  return s || 'hub';
}

/** A prefix of one or more levels ("picolink", "site/greenhouse"). */
export function checkPrefix(prefix: string): string {
  for (const level of prefix.split('/')) {
    const p = levelProblem(level, `a level of the prefix "${prefix}"`);
    if (p) throw new TopicError(p);
  }
  return prefix;
}

/** "aa:bb:cc:dd:ee:ff" (or any spelling normaliseAddress takes) -> "aabbccddeeff". */
export function deviceLevel(address: string): string {
  const a = normaliseAddress(address);
  if (!a) throw new TopicError(`"${address}" is not a Bluetooth address`);
  return a.replace(/:/g, '');
}

const DEVICE_LEVEL = /^[0-9a-f]{12}$/;

/** "aabbccddeeff" -> "aa:bb:cc:dd:ee:ff"; null for anything else. */
export function addressOfLevel(level: string): string | null {
  return DEVICE_LEVEL.test(level) ? level.match(/../g)!.join(':') : null;
}

/** Builds the topics of one hub. */
export class HubTopics {
  readonly base: string;

  constructor(
    readonly prefix: string,
    readonly hub: string,
  ) {
    checkPrefix(prefix);
    checkHubName(hub);
    this.base = `${prefix}/${hub}`;
  }

  get status(): string {
    return `${this.base}/status`;
  }

  get events(): string {
    return `${this.base}/events`;
  }

  hubCommand(kind: HubInKind): string {
    return `${this.base}/${kind}`;
  }

  device(address: string, kind: DeviceTopicKind): string {
    return `${this.base}/${deviceLevel(address)}/${kind}`;
  }

  /** The reply topic this library suggests for a requester (any topic name works). */
  reply(client: string): string {
    const p = levelProblem(client, 'the client name');
    if (p) throw new TopicError(p);
    return `${this.base}/reply/${client}`;
  }

  /** This hub's device states, which it reads back once for those it no longer pairs (stale-states.ts). */
  stateFilter(): string {
    return `${this.base}/+/state`;
  }

  /** The filters a hub subscribes for its commands (QoS 1). */
  commandFilters(): string[] {
    return [...HUB_IN.map((k) => `${this.base}/${k}`), ...DEVICE_IN.map((k) => `${this.base}/+/${k}`)];
  }

  parse(topic: string): ParsedTopic | null {
    const p = parseTopic(this.prefix, topic);
    return p && p.hub === this.hub ? p : null;
  }
}

/** Every hub's status under a prefix. */
export function statusFilter(prefix: string): string {
  return `${checkPrefix(prefix)}/+/status`;
}

/** Reads a topic of the tree under `prefix`; null if it is not one. */
export function parseTopic(prefix: string, topic: string): ParsedTopic | null {
  if (!topic.startsWith(`${prefix}/`)) return null;
  const levels = topic.slice(prefix.length + 1).split('/');
  const hub = levels[0]!;
  if (levelProblem(hub, 'hub') !== null) return null;
  if (levels.length === 2) {
    const k = levels[1]!;
    if (k === 'status' || k === 'events' || k === 'pair' || k === 'unpair') return { hub, kind: k };
    return null;
  }
  if (levels.length !== 3) return null;
  if (levels[1] === 'reply') return levels[2] ? { hub, kind: 'reply', client: levels[2] } : null;
  const device = addressOfLevel(levels[1]!);
  const k = levels[2]!;
  if (!device || !(DEVICE_OUT as readonly string[]).concat(DEVICE_IN).includes(k)) return null;
  return { hub, kind: k as DeviceTopicKind, device };
}
