// Commands over MQTT (src-main/mqtt/commands.ts) with a fake hub and client: MQTT 5 requests are
// answered on their Response Topic with their Correlation Data (MQTT 5.0 §4.10), 3.1.1 requests on
// the payload's replyTo with its id; every bad request gets {ok:false, error:{code, hint}} and
// the hub is not touched.
import { EventEmitter } from 'node:events';
import type { IPublishPacket } from 'mqtt';
import { describe, expect, it } from 'vitest';
import type { DeviceStatus } from '../../src-main/hub/hub.ts';
import type { LinkMessage } from '../../src-main/hub/protocol/protocol-session.ts';
import { CommandHandler, type CommandClient, type CommandTarget } from '../../src-main/mqtt/commands.ts';
import { MAX_COMMAND_BYTES, replySchema, type Reply } from '../../src-main/mqtt/schemas.ts';
import { HubTopics } from '../../src-main/mqtt/topics.ts';

const A = 'aa:bb:cc:dd:ee:01';
const NEAR = 'aa:bb:cc:dd:ee:09';

class FakeHub implements CommandTarget {
  calls: string[] = [];
  linked = true;
  status(): DeviceStatus[] {
    const d = (address: string, name: string, paired: boolean) => ({ address, name, paired, state: paired && this.linked ? 'linked' : paired ? 'backoff' : 'unpaired', reason: 'r' }) as DeviceStatus;
    return [d(A, 'pico1', true), d(NEAR, 'pico9', false)];
  }
  async pair(t: string): Promise<string> {
    this.calls.push(`pair ${t}`);
    return t;
  }
  async unpair(t: string): Promise<boolean> {
    this.calls.push(`unpair ${t}`);
    return true;
  }
  connect(t: string): void {
    this.calls.push(`connect ${t}`);
  }
  async disconnect(t: string): Promise<void> {
    this.calls.push(`disconnect ${t}`);
  }
  async send(t: string, m: LinkMessage): Promise<string[]> {
    this.calls.push(`send ${t} ${m.kind === 'text' ? m.text : Buffer.from(m.bytes).toString('hex')}`);
    return [t];
  }
}

class FakeClient extends EventEmitter implements CommandClient {
  connected = true;
  subscribed: string[] = [];
  sent: { topic: string; payload: string; correlationData?: Buffer }[] = [];
  subscribe(filters: string[], _o: { qos: 1 }, cb: (e: Error | null) => void): void {
    this.subscribed.push(...filters);
    cb(null);
  }
  publish(topic: string, payload: string, opts: { properties?: { correlationData?: Buffer } }, cb: (e?: Error) => void): void {
    this.sent.push({ topic, payload, ...(opts.properties?.correlationData ? { correlationData: opts.properties.correlationData } : {}) });
    cb();
  }
}

function rig() {
  const hub = new FakeHub();
  const client = new FakeClient();
  const topics = new HubTopics('picolink', 'h1');
  const c = new CommandHandler(hub, client, topics);
  const handled: Reply[] = [];
  const warnings: string[] = [];
  c.on('handled', (h) => handled.push(h.reply));
  c.on('warning', (w) => warnings.push(w));
  c.start();
  /** Delivers a request as the broker would and waits for its answer. */
  const request = async (topic: string, payload: string | Buffer, properties?: IPublishPacket['properties'], retain = false): Promise<Reply> => {
    const done = new Promise<Reply>((r) => c.once('handled', (h) => r(h.reply)));
    client.emit('message', topic, Buffer.isBuffer(payload) ? payload : Buffer.from(payload), { retain, properties } as IPublishPacket);
    return done;
  };
  return { hub, client, topics, c, request, handled, warnings };
}

const V5 = { responseTopic: 'dash/replies', correlationData: Buffer.from([1, 2, 3]) };

describe('CommandHandler', () => {
  it('subscribes to the command topics at QoS 1', () => {
    const { client, topics } = rig();
    expect(client.subscribed).toEqual(topics.commandFilters());
  });

  it('MQTT 5: tx answered on the Response Topic with the Correlation Data', async () => {
    const { hub, client, topics, request } = rig();
    const r = await request(topics.device(A, 'tx'), '{"text":"hello"}', V5);
    expect(r).toEqual({ ok: true, result: { sentTo: [A] }, hub: 'h1' });
    expect(hub.calls).toEqual([`send ${A} hello`]);
    expect(client.sent).toHaveLength(1);
    expect(client.sent[0]!.topic).toBe('dash/replies');
    expect(client.sent[0]!.correlationData).toEqual(V5.correlationData);
    expect(replySchema.parse(JSON.parse(client.sent[0]!.payload))).toEqual(r);
  });

  it('3.1.1 fallback: replyTo and id in the payload', async () => {
    const { hub, client, topics, request } = rig();
    const r = await request(topics.device(A, 'tx'), JSON.stringify({ hex: '01AB', replyTo: 'dash/r', id: 'q7' }));
    expect(r).toMatchObject({ ok: true, id: 'q7' });
    expect(hub.calls).toEqual([`send ${A} 01ab`]);
    expect(client.sent[0]).toMatchObject({ topic: 'dash/r' });
    expect(client.sent[0]!.correlationData).toBeUndefined();
  });

  it('connect, disconnect (an empty payload is fine), pair by address or heard name, unpair', async () => {
    const { hub, topics, request } = rig();
    expect(await request(topics.device(A, 'disconnect'), '', V5)).toMatchObject({ ok: true });
    expect(await request(topics.device(A, 'connect'), '{}', V5)).toMatchObject({ ok: true });
    expect(await request(topics.hubCommand('pair'), '{"target":"AA-BB-CC-DD-EE-05"}', V5)).toMatchObject({ ok: true, result: { address: 'aa:bb:cc:dd:ee:05' } });
    expect(await request(topics.hubCommand('pair'), '{"target":"pico9"}', V5)).toMatchObject({ ok: true, result: { address: NEAR } });
    expect(await request(topics.hubCommand('unpair'), '{"target":"pico1"}', V5)).toMatchObject({ ok: true, result: { removed: true } });
    expect(hub.calls).toEqual([`disconnect ${A}`, `connect ${A}`, 'pair aa:bb:cc:dd:ee:05', `pair ${NEAR}`, `unpair ${A}`]);
  });

  const bad: [string, (t: HubTopics) => string, string | Buffer, string, RegExp][] = [
    ['not JSON', (t) => t.device(A, 'tx'), 'hello', 'not-json', /not JSON/],
    ['wrong schema', (t) => t.device(A, 'tx'), '{"txt":"x"}', 'bad-request', /./],
    ['odd hex', (t) => t.device(A, 'tx'), '{"hex":"abc"}', 'bad-request', /hex/],
    ['text too long', (t) => t.device(A, 'tx'), JSON.stringify({ text: 'x'.repeat(4097) }), 'too-long', /./],
    ['payload too long', (t) => t.device(A, 'tx'), Buffer.alloc(MAX_COMMAND_BYTES + 1, 32), 'too-long', /bytes/],
    ['unknown device', (t) => t.device('aa:bb:cc:dd:ee:77', 'tx'), '{"text":"x"}', 'unknown-device', /not a device this hub has paired/],
    ['unpaired device heard nearby', (t) => t.device(NEAR, 'connect'), '{}', 'unknown-device', /./],
    ['pair a name nobody advertises', (t) => t.hubCommand('pair'), '{"target":"ghost"}', 'unknown-device', /no device named ghost/],
    ['unpair a device not paired', (t) => t.hubCommand('unpair'), '{"target":"aa:bb:cc:dd:ee:77"}', 'unknown-device', /./],
    ['extra keys', (t) => t.device(A, 'connect'), '{"now":true}', 'bad-request', /./],
    ['a JSON array', (t) => t.device(A, 'tx'), '[1]', 'bad-request', /./],
  ];
  for (const [what, topic, payload, code, hint] of bad) {
    it(`refuses ${what} (${code}) and changes nothing`, async () => {
      const { hub, topics, request, client } = rig();
      const r = await request(topic(topics), payload, V5);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe(code);
        expect(r.error.hint).toMatch(hint);
      }
      expect(hub.calls).toEqual([]);
      expect(client.sent[0]!.correlationData).toEqual(V5.correlationData);
    });
  }

  it('refuses tx to a paired device that is not linked', async () => {
    const { hub, topics, request } = rig();
    hub.linked = false;
    expect(await request(topics.device(A, 'tx'), '{"text":"x"}', V5)).toMatchObject({ ok: false, error: { code: 'not-linked' } });
    expect(hub.calls).toEqual([]);
  });

  it('a retained command is answered, never run', async () => {
    const { hub, topics, request } = rig();
    expect(await request(topics.device(A, 'disconnect'), '{}', V5, true)).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(hub.calls).toEqual([]);
  });

  it('a bad request with nowhere to answer is a warning; a wildcard reply topic is nowhere', async () => {
    const { client, topics, request, warnings } = rig();
    await request(topics.device(A, 'tx'), 'nope');
    await request(topics.device(A, 'tx'), '{"text":"x","replyTo":"dash/#"}', { responseTopic: 'a/+' });
    expect(client.sent).toEqual([]);
    expect(warnings[0]).toMatch(/names no reply topic: the payload is not JSON/);
  });

  it('ignores topics that are not commands', async () => {
    const { client, topics, handled } = rig();
    client.emit('message', topics.device(A, 'rx'), Buffer.from('{}'), { retain: false } as IPublishPacket);
    client.emit('message', 'picolink/other/aabbccddee01/tx', Buffer.from('{}'), { retain: false } as IPublishPacket);
    await new Promise((r) => setImmediate(r));
    expect(handled).toEqual([]);
  });
});
