// Settings → Sources "Test connection": one connection to a broker, no retries, listing the hubs
// whose retained status it holds, so the user sees at once whether the URL, the login and the CA
// are right before the dashboard starts reading the broker for good (source.ts).
import { randomBytes } from 'node:crypto';
import { connect as mqttConnect } from 'mqtt';
import type { BrokerConfig, SourceOptions } from './source.ts';
import { checkPrefix, parseTopic, statusFilter } from './topics.ts';

export interface ProbeResult {
  ok: boolean;
  hubs: { name: string; online: boolean }[];
  error: string | null;
}

/** How long a probe listens for retained statuses after its SUBSCRIBE is granted. */
const PROBE_LISTEN_MS = 300;

/**
 * Connects once (no retries) and lists the hubs whose retained status the broker holds: Settings'
 * "Test connection". A refused login, a bad certificate or no answer within `timeoutMs` is the
 * error, in the words MQTT.js gives it.
 */
export function probeBroker(config: BrokerConfig, timeoutMs: number, connect: SourceOptions['connect'] = mqttConnect as unknown as NonNullable<SourceOptions['connect']>): Promise<ProbeResult> {
  let prefix: string;
  try {
    prefix = checkPrefix(config.prefix);
  } catch (e) {
    return Promise.resolve({ ok: false, hubs: [], error: (e as Error).message });
  }
  return new Promise((resolve) => {
    const hubs = new Map<string, boolean>();
    let done = false;
    const client = connect(config.url, {
      protocolVersion: 5,
      clientId: `picolink-probe-${randomBytes(6).toString('hex')}`,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: timeoutMs,
      ...(config.user !== undefined ? { username: config.user } : {}),
      ...(config.password !== undefined ? { password: config.password } : {}),
      ...(config.ca !== undefined ? { ca: config.ca } : {}),
    });
    const finish = (error: string | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      client.end(true, {}, () => resolve({ ok: error === null, hubs: [...hubs].map(([name, online]) => ({ name, online })), error }));
    };
    const timer = setTimeout(() => finish(`${config.url} did not answer within ${timeoutMs / 1000} s`), timeoutMs);
    client.on('error', (e: Error) => finish(`${config.url}: ${e.message}`));
    client.on('close', () => finish(`${config.url} closed the connection`));
    client.on('message', (topic: string, payload: Buffer) => {
      const t = parseTopic(prefix, topic);
      if (t?.kind === 'status') hubs.set(t.hub, payload.toString('utf8') === 'online');
    });
    client.on('connect', () => {
      client.subscribe({ [statusFilter(prefix)]: { qos: 0 } }, (err) => {
        if (err) finish(`${config.url} refused the subscription: ${err.message}`);
        else setTimeout(() => finish(null), PROBE_LISTEN_MS);
      });
    });
  });
}
