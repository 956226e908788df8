// The test broker itself (test/setup/mosquitto.ts): anonymous, password and TLS configs accept
// the right clients and refuse the wrong ones, and restart() keeps a persistent session's queued
// QoS 1 message (Mosquitto's persistence database), which the fault tests rely on.
import { readFileSync } from 'node:fs';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { startMosquitto, type Mosquitto } from '../setup/mosquitto.ts';

const brokers: Mosquitto[] = [];
afterEach(async () => {
  await Promise.all(brokers.splice(0).map((b) => b.stop()));
});
const start = async (...a: Parameters<typeof startMosquitto>): Promise<Mosquitto> => {
  const b = await startMosquitto(...a);
  brokers.push(b);
  return b;
};

describe('test broker', () => {
  it('password and TLS: the right user with the CA connects, a wrong password and no CA are refused', async () => {
    const b = await start({ tls: true, password: { user: 'hub', pass: 's3cret' } });
    expect(b.url).toMatch(/^mqtts:\/\/localhost:\d+$/);
    const ca = readFileSync(b.caFile!);
    const ok = await mqtt.connectAsync(b.url, { ca, username: 'hub', password: 's3cret', reconnectPeriod: 0 });
    await ok.endAsync();
    await expect(mqtt.connectAsync(b.url, { ca, username: 'hub', password: 'wrong', reconnectPeriod: 0 })).rejects.toThrow(/Not authorized|Bad User Name or Password/i);
    await expect(mqtt.connectAsync(b.url, { username: 'hub', password: 's3cret', reconnectPeriod: 0 })).rejects.toThrow(/self.signed|certificate/i);
  });

  it('restart keeps a persistent session and its queued QoS 1 message', async () => {
    const b = await start();
    const opts = { clientId: 'harness-sub', clean: false, protocolVersion: 5 as const, properties: { sessionExpiryInterval: 300 }, reconnectPeriod: 0 };
    const sub = await mqtt.connectAsync(b.url, opts);
    await sub.subscribeAsync('t/x', { qos: 1 });
    await sub.endAsync();
    const pub = await mqtt.connectAsync(b.url, { reconnectPeriod: 0 });
    await pub.publishAsync('t/x', 'kept', { qos: 1 });
    await pub.endAsync();
    await b.restart();
    // Listening before the CONNACK: the broker sends the queued message right after it.
    const again = mqtt.connect(b.url, opts);
    const got = new Promise<string>((resolve) => again.on('message', (_t, p) => resolve(p.toString())));
    expect(await got).toBe('kept');
    await again.endAsync();
  }, 15_000);
});
