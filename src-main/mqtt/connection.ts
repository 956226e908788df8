// A broker as the user names it (`mqtt[s]://[user:pass@]host[:port]`), checked before anything
// connects, and the MQTT.js client options of a hub: its last will, a persistent session and a
// reconnect delay that backs off. Credentials never appear in what is printed (redacted()).
import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { backoffDelay } from '../hub/link/backoff.ts';
import { STATUS_OFFLINE } from './schemas.ts';
import type { HubTopics } from './topics.ts';

export class BrokerUrlError extends Error {
  override readonly name = 'BrokerUrlError';
}

export interface BrokerUrl {
  protocol: 'mqtt' | 'mqtts';
  host: string;
  port: number;
  username: string | null;
  password: string | null;
}

/** MQTT's registered ports (IANA; MQTT 5.0 §4.2: 1883 plain TCP, 8883 over TLS). */
export const MQTT_PORT = 1883;
export const MQTTS_PORT = 8883;

/** Reads `mqtt[s]://[user[:pass]@]host[:port]`; anything else is refused with what is wrong. */
export function parseBrokerUrl(text: string): BrokerUrl {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new BrokerUrlError(`"${redactText(text)}" is not a URL like mqtt://host:1883 or mqtts://user:pass@host:8883`);
  }
  const protocol = u.protocol.slice(0, -1);
  if (protocol !== 'mqtt' && protocol !== 'mqtts') throw new BrokerUrlError(`${protocol}:// is not a broker URL: use mqtt:// or mqtts:// (TLS)`);
  if (!u.hostname) throw new BrokerUrlError(`${redact(u)} names no host`);
  if ((u.pathname && u.pathname !== '/') || u.search || u.hash) throw new BrokerUrlError(`${redact(u)}: a broker URL has no path or query; the topic prefix is --mqtt-prefix`);
  const port = u.port ? Number(u.port) : protocol === 'mqtts' ? MQTTS_PORT : MQTT_PORT;
  return {
    protocol,
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port,
    username: u.username ? decodeURIComponent(u.username) : null,
    password: u.password ? decodeURIComponent(u.password) : null,
  };
}

/** The URL with its password replaced by ***, for messages. */
export function redacted(b: BrokerUrl): string {
  const host = b.host.includes(':') ? `[${b.host}]` : b.host;
  const user = b.username !== null ? `${encodeURIComponent(b.username)}${b.password !== null ? ':***' : ''}@` : '';
  return `${b.protocol}://${user}${host}:${b.port}`;
}

function redact(u: URL): string {
  const c = new URL(u.href);
  if (c.password) c.password = '***';
  return c.href;
}

/** Best effort for text that is not even a URL: hide what looks like user:pass@. */
function redactText(text: string): string {
  return text.replace(/:[^:@/\s]*@/g, ':***@');
}

export interface HubClientOptions {
  broker: BrokerUrl;
  topics: HubTopics;
  /** A CA certificate file (PEM) for mqtts:// brokers whose certificate the system does not trust. */
  caFile?: string | null;
  /** The same as PEM text (a setting), instead of a file. */
  ca?: string | null;
  /** MQTT 5 (default) or 3.1.1. */
  protocolVersion?: 5 | 4;
  /** How long the broker keeps the session (and queues QoS 1 for it) while the hub is away, s. */
  sessionExpirySeconds?: number;
  keepaliveSeconds?: number;
}

/** The first reconnect delay, and the cap the doubling stops at (ms). */
export const RECONNECT_MIN_MS = 1_000;
export const RECONNECT_MAX_MS = 30_000;
export const DEFAULT_SESSION_EXPIRY_S = 3_600;
export const DEFAULT_KEEPALIVE_S = 15;

/**
 * A hub's client options. The will (MQTT 5.0 §3.1.2.5, §3.1.3.3) is `status` = offline, retained,
 * so subscribers (and Home Assistant's availability) see the hub gone within 1.5 keep-alives
 * (§3.1.2.10). `clean: false` with a Session Expiry Interval (§3.1.2.11.2; 3.1.1 §3.1.2.4 Clean
 * Session 0) keeps the hub's command subscriptions and the commands sent to it while it is away.
 */
export function hubClientOptions(o: HubClientOptions): IClientOptions {
  const v = o.protocolVersion ?? 5;
  return {
    protocol: o.broker.protocol,
    host: o.broker.host,
    port: o.broker.port,
    ...(o.broker.username !== null ? { username: o.broker.username } : {}),
    ...(o.broker.password !== null ? { password: o.broker.password } : {}),
    ...(o.caFile ? { ca: readFileSync(o.caFile) } : o.ca ? { ca: o.ca } : {}),
    protocolVersion: v,
    clientId: `picolink-hub-${o.topics.prefix.replace(/\//g, '-')}-${o.topics.hub}`.slice(0, 128),
    clean: false,
    ...(v === 5 ? { properties: { sessionExpiryInterval: o.sessionExpirySeconds ?? DEFAULT_SESSION_EXPIRY_S } } : {}),
    keepalive: o.keepaliveSeconds ?? DEFAULT_KEEPALIVE_S,
    reconnectPeriod: RECONNECT_MIN_MS,
    connectTimeout: 10_000,
    // QoS 0 (samples, stats) is not worth keeping while away; the publisher's own queue is bounded.
    queueQoSZero: false,
    will: { topic: o.topics.status, payload: Buffer.from(STATUS_OFFLINE), qos: 1, retain: true },
  };
}

/**
 * MQTT.js retries at a fixed reconnectPeriod; it reads the option again before each attempt, so
 * doubling it after each failed attempt (with jitter, capped) and resetting it on connect gives a
 * backoff that many hubs restarting with one broker do not hit in step.
 */
export function backOffReconnects(client: MqttClient, minMs = RECONNECT_MIN_MS, maxMs = RECONNECT_MAX_MS): void {
  let attempt = 0;
  client.on('connect', () => {
    attempt = 0;
    client.options.reconnectPeriod = minMs;
  });
  // Ahead of MQTT.js's own 'close' listener (client.js: it calls _setupReconnect, which reads
  // reconnectPeriod): added after it, this delay would only apply to the attempt after next,
  // and every hub's first retry would come exactly minMs after the drop, all in step.
  client.prependListener('close', () => {
    attempt++;
    client.options.reconnectPeriod = backoffDelay(attempt, { baseMs: minMs, maxMs });
  });
}

/** Opens a hub's client (it connects, and reconnects, in the background). */
export function connectHub(o: HubClientOptions): MqttClient {
  const client = mqtt.connect(hubClientOptions(o));
  backOffReconnects(client);
  return client;
}
