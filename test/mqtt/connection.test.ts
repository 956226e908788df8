// Broker URLs as the user types them (src-main/mqtt/connection.ts) and the hub's client options:
// the will, the persistent session, credentials never printed.
import { EventEmitter } from 'node:events';
import type { MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { backOffReconnects, BrokerUrlError, hubClientOptions, parseBrokerUrl, redacted } from '../../src-main/mqtt/connection.ts';
import { HubTopics } from '../../src-main/mqtt/topics.ts';

describe('broker URL', () => {
  it('reads mqtt[s]://[user:pass@]host[:port] with the registered default ports', () => {
    expect(parseBrokerUrl('mqtt://localhost')).toEqual({ protocol: 'mqtt', host: 'localhost', port: 1883, username: null, password: null });
    expect(parseBrokerUrl('mqtts://u%40x:p%3Aw@broker.lan')).toEqual({ protocol: 'mqtts', host: 'broker.lan', port: 8883, username: 'u@x', password: 'p:w' });
    expect(parseBrokerUrl('mqtt://[::1]:1884/').host).toBe('::1');
  });

  it('refuses what is not a broker URL, without printing the password', () => {
    for (const [text, why] of [
      ['localhost:1883', /not a broker URL|not a URL/],
      ['http://h', /http:\/\/ is not a broker URL/],
      ['mqtt://h/topic', /no path or query/],
      ['mqtt://u:s3cret@h/x', /no path/],
      ['not a url at all u:s3cret@', /not a URL/],
    ] as const) {
      let e: unknown;
      try {
        parseBrokerUrl(text);
      } catch (x) {
        e = x;
      }
      expect(e, text).toBeInstanceOf(BrokerUrlError);
      expect((e as Error).message).toMatch(why);
      expect((e as Error).message).not.toContain('s3cret');
    }
  });

  it('redacts the password', () => {
    expect(redacted(parseBrokerUrl('mqtts://hub:s3cret@h:8884'))).toBe('mqtts://hub:***@h:8884');
    expect(redacted(parseBrokerUrl('mqtt://h'))).toBe('mqtt://h:1883');
  });

  it("a hub's options: offline as the retained will, a persistent session, QoS 0 not queued offline", () => {
    const topics = new HubTopics('picolink', 'h1');
    const o = hubClientOptions({ broker: parseBrokerUrl('mqtt://u:p@h'), topics });
    expect(o.will).toMatchObject({ topic: 'picolink/h1/status', qos: 1, retain: true });
    expect(o.will!.payload.toString()).toBe('offline');
    expect(o).toMatchObject({ clean: false, protocolVersion: 5, properties: { sessionExpiryInterval: 3600 }, queueQoSZero: false, username: 'u', password: 'p', clientId: 'picolink-hub-picolink-h1' });
    expect(hubClientOptions({ broker: parseBrokerUrl('mqtt://h'), topics, protocolVersion: 4 }).properties).toBeUndefined();
  });
});

describe('reconnect backoff', () => {
  it('doubles MQTT.js reconnectPeriod after each failed attempt up to the cap, and resets on connect', () => {
    const client = Object.assign(new EventEmitter(), { options: { reconnectPeriod: 1_000 } });
    backOffReconnects(client as unknown as MqttClient, 1_000, 8_000);
    const periods: number[] = [];
    for (let i = 0; i < 6; i++) {
      client.emit('close');
      periods.push(client.options.reconnectPeriod);
    }
    // Equal jitter (hub/link/backoff.ts): each step's delay lies in [step/2, step].
    const steps = [1_000, 2_000, 4_000, 8_000, 8_000, 8_000];
    periods.forEach((p, i) => {
      expect(p).toBeGreaterThanOrEqual(steps[i]! / 2);
      expect(p).toBeLessThanOrEqual(steps[i]!);
    });
    client.emit('connect');
    expect(client.options.reconnectPeriod).toBe(1_000);
  });
});
