// Commands a hub takes over MQTT (issue 17 point 1): DEVICE/tx, DEVICE/connect, DEVICE/disconnect,
// pair and unpair, each answered once on the requester's reply topic.
//
// MQTT 5 requesters set the Response Topic and Correlation Data properties of their PUBLISH
// (MQTT 5.0 §3.3.2.3.5-6); the answer goes to that topic carrying the same Correlation Data
// (§4.10 Request / Response). MQTT 3.1.1 has neither property, so a 3.1.1 requester puts
// `replyTo` (a topic) and `id` (any string) in its JSON payload and gets `id` back in the reply.
//
// A request is checked in full before the hub is touched: a payload that is too long, not JSON,
// not of the schema, or names a device the hub has not paired gets {ok: false, error: {code,
// hint}} and changes nothing. A request with nowhere to answer is said as a warning instead.
import { EventEmitter } from 'node:events';
import type { IClientPublishOptions, IPublishPacket } from 'mqtt';
import type { z } from 'zod';
import { normaliseAddress } from '../hub/discovery/address.ts';
import type { DeviceStatus } from '../hub/hub.ts';
import type { LinkMessage } from '../hub/protocol/protocol-session.ts';
import { connectRequestSchema, MAX_COMMAND_BYTES, pairRequestSchema, txRequestSchema, type ErrorCode, type Reply } from './schemas.ts';
import type { HubTopics, ParsedTopic } from './topics.ts';
import { keepSubscribed, type SubscribingClient } from './subscription.ts';

/** What commands do to a Hub. */
export interface CommandTarget {
  pair(nameOrAddress: string): Promise<string>;
  unpair(nameOrAddress: string): Promise<boolean>;
  connect(nameOrAddress: string): void;
  disconnect(nameOrAddress: string): Promise<void>;
  send(target: string, message: LinkMessage): Promise<string[]>;
  status(): DeviceStatus[];
}

/** What the handler needs of an MQTT.js client. */
export interface CommandClient extends SubscribingClient {
  publish(topic: string, message: string, opts: IClientPublishOptions, callback: (error?: Error) => void): unknown;
}

export interface CommandEvents {
  warning: [string];
  /** Each request answered (tests, logs). */
  handled: [{ topic: string; reply: Reply }];
}

interface Route {
  topic: string;
  correlationData?: Buffer;
  id?: string;
}

class CommandError extends Error {
  constructor(
    readonly code: ErrorCode,
    hint: string,
  ) {
    super(hint);
  }
}

const COMMANDS = new Set<ParsedTopic['kind']>(['tx', 'connect', 'disconnect', 'pair', 'unpair']);

export class CommandHandler extends EventEmitter<CommandEvents> {
  constructor(
    private readonly hub: CommandTarget,
    private readonly client: CommandClient,
    private readonly topics: HubTopics,
  ) {
    super();
  }

  private unsubscribe: (() => void) | null = null;

  start(): void {
    this.unsubscribe ??= keepSubscribed(this.client, () => this.topics.commandFilters(), this.onMessage, (e) =>
      this.emit('warning', `MQTT: could not subscribe to the command topics: ${e.message}`),
    );
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  private readonly onMessage = (topic: string, payload: Buffer, packet: IPublishPacket): void => {
    const parsed = this.topics.parse(topic);
    if (!parsed || !COMMANDS.has(parsed.kind)) return;
    // A retained command would run again at each subscribe: it is answered, never run.
    void this.handle(topic, parsed, payload, packet.retain ? 'retained' : null, packet.properties);
  };

  /** Runs one request; resolves once it is answered. */
  async handle(topic: string, parsed: ParsedTopic, payload: Buffer, refuse: 'retained' | null, properties?: IPublishPacket['properties']): Promise<void> {
    let route: Route | null = v5Route(properties);
    let reply: Reply;
    try {
      if (refuse === 'retained') throw new CommandError('bad-request', 'a command must not be retained: publish it with retain off');
      if (payload.length > MAX_COMMAND_BYTES) throw new CommandError('too-long', `the payload is ${payload.length} bytes; commands take at most ${MAX_COMMAND_BYTES}`);
      let json: unknown = {};
      if (payload.length) {
        try {
          json = JSON.parse(payload.toString('utf8'));
        } catch {
          throw new CommandError('not-json', `the payload is not JSON: send e.g. {"text":"hello"} (see docs/MQTT.md)`);
        }
      }
      route ??= fallbackRoute(json);
      const result = await this.run(parsed, json);
      reply = { ok: true, ...(result ? { result } : {}), hub: this.topics.hub };
    } catch (e) {
      const err = e instanceof CommandError ? e : new CommandError('failed', (e as Error).message);
      reply = { ok: false, error: { code: err.code, hint: err.message }, hub: this.topics.hub };
    }
    if (route?.id !== undefined) reply.id = route.id;
    this.emit('handled', { topic, reply });
    if (!route) {
      if (!reply.ok) this.emit('warning', `MQTT: refused a command on ${topic} that names no reply topic: ${reply.error.hint}`);
      return;
    }
    const opts: IClientPublishOptions = { qos: 1, retain: false, ...(route.correlationData ? { properties: { correlationData: route.correlationData } } : {}) };
    this.client.publish(route.topic, JSON.stringify(reply), opts, (e) => {
      if (e) this.emit('warning', `MQTT: could not answer on ${route.topic}: ${e.message}`);
    });
  }

  private async run(p: ParsedTopic, json: unknown): Promise<Record<string, unknown> | null> {
    switch (p.kind) {
      case 'tx': {
        const r = check(txRequestSchema, json);
        const address = this.paired(p);
        const message: LinkMessage = 'text' in r ? { kind: 'text', text: r.text } : { kind: 'data', bytes: new Uint8Array(Buffer.from(r.hex, 'hex')) };
        const state = this.hub.status().find((d) => d.address === address)!;
        if (state.state !== 'linked') throw new CommandError('not-linked', `${state.name ?? address} is not linked (${state.state}: ${state.reason})`);
        return { sentTo: await this.hub.send(address, message) };
      }
      case 'connect':
      case 'disconnect': {
        check(connectRequestSchema, json);
        const address = this.paired(p);
        if (p.kind === 'connect') this.hub.connect(address);
        else await this.hub.disconnect(address);
        return null;
      }
      case 'pair': {
        const r = check(pairRequestSchema, json);
        const address = normaliseAddress(r.target) ?? this.heard(r.target);
        return { address: await this.hub.pair(address) };
      }
      case 'unpair': {
        const r = check(pairRequestSchema, json);
        const address = normaliseAddress(r.target) ?? this.pairedNamed(r.target);
        if (!this.hub.status().some((d) => d.paired && d.address === address)) throw new CommandError('unknown-device', `${r.target} is not a paired device`);
        return { removed: await this.hub.unpair(address) };
      }
      default:
        throw new CommandError('bad-request', `${p.kind} is not a command topic`);
    }
  }

  private paired(p: ParsedTopic): string {
    const address = 'device' in p ? p.device : '';
    if (!this.hub.status().some((d) => d.paired && d.address === address)) throw new CommandError('unknown-device', `${address} is not a device this hub has paired (pair it first: PREFIX/HUB/pair)`);
    return address;
  }

  /** A name pairs only a device heard now: a pending pair-by-name would change the hub later, unanswered. */
  private heard(name: string): string {
    const found = this.hub.status().filter((d) => d.name === name);
    if (found.length === 0) throw new CommandError('unknown-device', `no device named ${name} is advertising near this hub`);
    if (found.length > 1) throw new CommandError('bad-request', `more than one device is named ${name}: use its address (${found.map((d) => d.address).join(', ')})`);
    return found[0]!.address;
  }

  private pairedNamed(name: string): string {
    const found = this.hub.status().filter((d) => d.paired && d.name === name);
    if (found.length === 0) throw new CommandError('unknown-device', `${name} is not a paired device`);
    if (found.length > 1) throw new CommandError('bad-request', `more than one paired device is named ${name}: use its address`);
    return found[0]!.address;
  }
}

function check<S extends z.ZodType>(schema: S, json: unknown): z.infer<S> {
  const r = schema.safeParse(json);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const code: ErrorCode = r.error.issues.some((i) => i.code === 'too_big') ? 'too-long' : 'bad-request';
  const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
  throw new CommandError(code, `${where}${issue.message} (see docs/MQTT.md for this topic's payload)`);
}

/** A topic the hub may publish to: a topic name (no wildcards, MQTT 5.0 §4.7.1; no NUL, §1.5.4), not the broker's $ topics (§4.7.2). */
function validReplyTopic(topic: unknown): topic is string {
  return typeof topic === 'string' && topic.length > 0 && topic.length <= 1024 && !/[+#]/.test(topic) && !topic.includes('\u0000') && !topic.startsWith('$');
}

function v5Route(properties: IPublishPacket['properties'] | undefined): Route | null {
  const topic = properties?.responseTopic;
  if (!validReplyTopic(topic)) return null;
  const correlationData = properties?.correlationData;
  return { topic, ...(correlationData ? { correlationData } : {}) };
}

function fallbackRoute(json: unknown): Route | null {
  if (typeof json !== 'object' || json === null) return null;
  const { replyTo, id } = json as { replyTo?: unknown; id?: unknown };
  if (!validReplyTopic(replyTo)) return null;
  return { topic: replyTo, ...(typeof id === 'string' ? { id } : {}) };
}
