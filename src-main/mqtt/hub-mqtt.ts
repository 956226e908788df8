// A hub on a broker: the client (will, persistent session, backoff), the publisher and the command
// handler put together, for the CLI (`picolink hub --mqtt`) and the dashboard's own hub. What the
// user should see (connected, lost, refused, dropped publishes) comes out as notices, each said
// once until it changes.
import { EventEmitter } from 'node:events';
import { realClock, type Clock } from '../hci/clock.ts';
import type { Hub } from '../hub/hub.ts';
import { CommandHandler } from './commands.ts';
import { StaleStates } from './stale-states.ts';
import { connectHub, redacted, type BrokerUrl } from './connection.ts';
import { HaDiscovery } from './ha-discovery.ts';
import { Publisher } from './publisher.ts';
import { HubTopics } from './topics.ts';

export interface HubMqttOptions {
  broker: BrokerUrl;
  prefix: string;
  hubName: string;
  haDiscovery: boolean;
  caFile?: string | null;
  /** A CA as PEM text (the dashboard's setting). */
  ca?: string | null;
  protocolVersion?: 5 | 4;
  /** Shown in Home Assistant as the hub's software version. */
  version?: string;
  clock?: Clock;
}

export type HubMqttNotice = { kind: 'connected'; url: string } | { kind: 'disconnected'; url: string; why: string } | { kind: 'warning'; text: string };

export interface HubMqttEvents {
  notice: [HubMqttNotice];
}

export class HubMqtt extends EventEmitter<HubMqttEvents> {
  readonly topics: HubTopics;
  readonly publisher: Publisher;
  readonly commands: CommandHandler;
  readonly staleStates: StaleStates;
  readonly client: ReturnType<typeof connectHub>;
  readonly url: string;
  private lastError = '';
  private wasConnected = false;

  constructor(hub: Hub, o: HubMqttOptions) {
    super();
    this.topics = new HubTopics(o.prefix, o.hubName);
    this.url = redacted(o.broker);
    this.client = connectHub({ broker: o.broker, topics: this.topics, caFile: o.caFile ?? null, ca: o.ca ?? null, ...(o.protocolVersion ? { protocolVersion: o.protocolVersion } : {}) });
    this.publisher = new Publisher({
      hub,
      client: this.client,
      topics: this.topics,
      clock: o.clock ?? realClock,
      discovery: o.haDiscovery ? new HaDiscovery(this.topics, undefined, o.version ?? '') : null,
    });
    this.commands = new CommandHandler(hub, this.client, this.topics);
    this.staleStates = new StaleStates(hub, this.client, this.topics, (address) => this.publisher.forget(address));
    const warn = (text: string): void => void this.emit('notice', { kind: 'warning', text });
    this.publisher.on('warning', warn);
    this.commands.on('warning', warn);
    this.staleStates.on('warning', warn);
    this.client.on('connect', () => {
      this.lastError = '';
      this.wasConnected = true;
      this.emit('notice', { kind: 'connected', url: this.url });
    });
    // MQTT.js emits 'error' for a refused CONNECT or a TLS failure, and throws if nobody listens.
    this.client.on('error', (e) => {
      if (e.message === this.lastError) return;
      this.lastError = e.message;
      this.emit('notice', { kind: 'disconnected', url: this.url, why: e.message });
    });
    this.client.on('offline', () => {
      if (!this.wasConnected) return;
      this.wasConnected = false;
      this.emit('notice', { kind: 'disconnected', url: this.url, why: 'connection lost; reconnecting' });
    });
  }

  start(): void {
    this.publisher.start();
    this.commands.start();
    this.staleStates.start();
  }

  /** Says offline (retained), waits briefly for the queue, then disconnects cleanly. */
  async stop(waitMs = 2_000): Promise<void> {
    this.commands.stop();
    this.staleStates.stop();
    await this.publisher.stop(waitMs);
    await Promise.race([this.client.endAsync(), new Promise((r) => setTimeout(r, waitMs))]);
    if (!this.client.disconnected) await this.client.endAsync(true).catch(() => undefined);
  }
}
