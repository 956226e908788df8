// A hub takes the retained states of devices it no longer pairs off the broker (stale-states.ts):
// only retained ones (the broker sets RETAIN on what it sends at subscribe, MQTT 5.0 §3.3.1.3),
// never a live message or an empty payload, never a paired device's.
import { EventEmitter } from 'node:events';
import type { IPublishPacket } from 'mqtt';
import { describe, expect, it } from 'vitest';
import type { DeviceStatus } from '../../src-main/hub/hub.ts';
import { StaleStates } from '../../src-main/mqtt/stale-states.ts';
import { HubTopics } from '../../src-main/mqtt/topics.ts';

const PAIRED = 'aa:bb:cc:dd:ee:01';
const GONE = 'aa:bb:cc:dd:ee:02';

class FakeClient extends EventEmitter {
  connected = true;
  readonly subscribed: string[] = [];
  subscribe(filters: string[], _o: { qos: 1 }, cb: (e: Error | null) => void): void {
    this.subscribed.push(...filters);
    cb(null);
  }
  deliver(topic: string, text: string, retain: boolean): void {
    this.emit('message', topic, Buffer.from(text), { topic, retain } as IPublishPacket);
  }
}

describe('stale retained states', () => {
  it('subscribes to its own states and forgets, once each, the retained ones of devices it does not pair', () => {
    const t = new HubTopics('pl', 'h1');
    const client = new FakeClient();
    const forgot: string[] = [];
    const hub = { status: () => [{ address: PAIRED, paired: true }] as DeviceStatus[] };
    const s = new StaleStates(hub, client, t, (a) => forgot.push(a));
    s.start();
    expect(client.subscribed).toEqual(['pl/h1/+/state']);
    client.deliver(t.device(PAIRED, 'state'), '{"state":"linked"}', true);
    client.deliver(t.device(GONE, 'state'), '{"state":"stopped"}', false); // live: ours, just published
    client.deliver(t.device(GONE, 'state'), '', true); // already cleared
    client.deliver('pl/other-hub/aabbccddee02/state', '{}', true); // another hub's
    expect(forgot).toEqual([]);
    client.deliver(t.device(GONE, 'state'), '{"state":"stopped"}', true);
    expect(forgot).toEqual([GONE]);
    s.stop();
    client.deliver(t.device(GONE, 'state'), '{"state":"stopped"}', true);
    expect(forgot).toEqual([GONE]);
  });
});
