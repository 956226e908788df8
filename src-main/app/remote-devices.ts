// The devices other hubs publish over MQTT, as the dashboard shows them (issue 17 point 2): one
// MqttSource per broker in Settings -> Sources, their devices turned into the contract's views
// with their hub's name, their samples, messages and state changes recorded in this dashboard's
// own log (so charts, stats and export read remote devices as they read local ones), and console
// sends routed to the device's `tx` topic. A remote device is keyed `HUB/address` everywhere (the
// renderer, the batches, the log's device column): two hubs may see the same address.
import type { LogStore } from '../hub/store/database.ts';
import { MqttSource, CommandError, type CommandKind, type RemoteDeviceStatus, type RemoteMessage, type SourceOptions } from '../mqtt/source.ts';
import type { BrokerSettings, DeviceView, EventOf, HistoryEntryView, MessageBody, Settings } from '../ipc/contract.ts';

/** Console entries kept per remote device, as the local hub keeps (hub.ts historyLimit). */
const HISTORY_LIMIT = 500;

export interface RemoteSink {
  sample(key: string, sample: { t: number; seq: number; rttMs: number | null }): void;
  message(key: string, entry: HistoryEntryView): void;
  state(change: EventOf<'state'>): void;
  notice(level: 'info' | 'warning' | 'error', text: string): void;
}

export interface RemoteOptions {
  /** Test seam: keep-alive, reconnect timing, command timeout. */
  source?: Partial<Omit<SourceOptions, keyof BrokerSettings>>;
}

export class RemoteDevices {
  private sources: MqttSource[] = [];
  private readonly histories = new Map<string, HistoryEntryView[]>();

  constructor(
    private readonly sink: RemoteSink,
    private readonly log: () => LogStore | null,
    private readonly options: RemoteOptions = {},
  ) {}

  /** Replaces the sources with one per broker; a broker's URL or prefix that cannot be used is said, not thrown. */
  async configure(brokers: readonly BrokerSettings[]): Promise<void> {
    await this.stop();
    for (const b of brokers) {
      let source: MqttSource;
      try {
        source = new MqttSource({ ...this.options.source, ...brokerConfig(b) });
      } catch (e) {
        this.sink.notice('error', `Broker ${b.url} (${b.prefix}) cannot be read: ${(e as Error).message}`);
        continue;
      }
      this.wire(source);
      this.sources.push(source);
      source.start();
    }
  }

  async stop(): Promise<void> {
    const old = this.sources.splice(0);
    await Promise.all(old.map((s) => s.stop()));
    this.histories.clear();
  }

  /** Every remote device as the renderer shows it. */
  views(now = Date.now()): DeviceView[] {
    return this.sources.flatMap((s) => s.devices(now).map(toRemoteView));
  }

  owns(key: string): boolean {
    return key.includes('/');
  }

  history(key: string): HistoryEntryView[] {
    this.sourceOf(key);
    return [...(this.histories.get(key) ?? [])];
  }

  async connect(key: string): Promise<void> {
    await this.run(key, 'connect');
  }

  async disconnect(key: string): Promise<void> {
    await this.run(key, 'disconnect');
  }

  /**
   * Asks the device's hub to unpair it (PREFIX/HUB/unpair); the hub then clears the device's
   * retained topics, which takes it out of the list.
   */
  async unpair(key: string): Promise<boolean> {
    return (await this.run(key, 'unpair')).removed === true;
  }

  /** Sends to one remote device; the hub's `sent` event puts it in the console. */
  async send(key: string, body: MessageBody): Promise<void> {
    await this.run(key, 'tx', body.kind === 'text' ? { text: body.text } : { hex: body.hex });
  }

  /** The keys of the linked, reachable remote devices (for "send to all"). */
  linked(): string[] {
    return this.sources.flatMap((s) => s.devices().filter((d) => d.online && d.state.state === 'linked').map((d) => d.key));
  }

  private async run(key: string, kind: CommandKind, body: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    try {
      return await this.sourceOf(key).command(key, kind, body);
    } catch (e) {
      if (e instanceof CommandError) throw new Error(e.message, { cause: e });
      throw e;
    }
  }

  private sourceOf(key: string): MqttSource {
    const s = this.sources.find((x) => x.has(key));
    if (!s) throw new Error(`No broker in Settings → Sources publishes ${key} (is its hub still online?).`);
    return s;
  }

  private wire(source: MqttSource): void {
    const log = (fn: (l: LogStore) => void): void => {
      const l = this.log();
      // A log that cannot be written says so through its own notices; a remote sample never stops the source.
      if (l?.sessionId != null) {
        try {
          fn(l);
        } catch {
          // LogStoreClosedError while the app stops.
        }
      }
    };
    source.on('warning', (text) => this.sink.notice('warning', text));
    source.on('sample', (s) => {
      this.sink.sample(s.key, { t: s.at, seq: s.seq, rttMs: s.rttMs });
      log((l) => l.addSample({ device: s.key, name: s.name, seq: s.seq, t: s.at, rttMs: s.rttMs, lost: s.rttMs === null }));
    });
    source.on('message', (m) => {
      const entry = toEntry(m);
      let h = this.histories.get(m.key);
      if (!h) this.histories.set(m.key, (h = []));
      h.push(entry);
      if (h.length > HISTORY_LIMIT) h.splice(0, h.length - HISTORY_LIMIT);
      this.sink.message(m.key, entry);
      log((l) =>
        l.addMessage({
          device: m.key,
          name: m.name,
          t: m.at,
          direction: m.direction,
          kind: m.body.kind,
          body: m.body.kind === 'text' ? m.body.text : new Uint8Array(Buffer.from(m.body.hex, 'hex')),
        }),
      );
    });
    source.on('effect', (e) => {
      if (e.kind === 'hub') {
        this.sink.notice(e.online ? 'info' : 'warning', `Hub ${e.hub} on ${source.url} is ${e.online ? 'online' : `offline: ${e.why}`}.`);
        // In the log per device, so an export of one device shows why its samples stop.
        for (const d of source.devices()) if (d.hub === e.hub) log((l) => l.addEvent({ device: d.key, name: d.state.name, t: e.at, state: e.online ? 'hub-online' : 'hub-offline', reason: e.why }));
      } else if (e.kind === 'device-state') {
        const state = e.state as EventOf<'state'>['state'];
        const previous = e.previous as EventOf<'state'>['previous'];
        this.sink.state({ address: e.key, name: e.name, state, previous, reason: e.reason, fault: e.fault, at: e.at });
        log((l) => l.addEvent({ device: e.key, name: e.name, t: e.at, state: e.state, reason: e.reason }));
      } else {
        this.histories.delete(e.key);
      }
    });
  }
}

export function brokerConfig(b: BrokerSettings): Pick<SourceOptions, keyof BrokerSettings & keyof SourceOptions> {
  return {
    url: b.url,
    prefix: b.prefix,
    ...(b.user ? { user: b.user } : {}),
    ...(b.password ? { password: b.password } : {}),
    ...(b.ca ? { ca: b.ca } : {}),
  };
}

function toEntry(m: RemoteMessage): HistoryEntryView {
  return { at: m.at, direction: m.direction, body: m.body };
}

export function toRemoteView(d: RemoteDeviceStatus): DeviceView {
  const s = d.state;
  const t = d.lastThroughput;
  return {
    address: d.key,
    name: s.name,
    // A hub publishes the devices it pairs; pairing is done on that hub.
    paired: s.state !== 'unpaired',
    state: s.state,
    reason: s.reason,
    fault: s.fault,
    adapter: s.adapter,
    profile: s.profile,
    rssi: s.rssi,
    lastSeen: d.lastSeen,
    mtu: s.mtu,
    intervalMs: s.intervalMs,
    window: d.window,
    total: d.total,
    firmwareMs: null,
    messagesIn: d.messagesIn,
    messagesOut: d.messagesOut,
    bad: 0,
    lastThroughput: t
      ? {
          octets: t.octets,
          firmwareOctets: t.octets,
          firmwareMs: t.hubMs,
          hubMs: t.hubMs,
          bytesPerSecond: t.bytesPerSecond,
          // The link the hub computed the limit for; a hub that leaves it out is taken as 1M and 27 octets, said as assumed.
          limit: {
            bytesPerSecond: t.limitBytesPerSecond,
            ...(t.limit ?? { phy: '1M', intervalMs: s.intervalMs > 0 ? s.intervalMs : 7.5, attMtu: Math.max(23, s.mtu ?? 23), maxTxOctets: 27, assumed: ['phy', 'data-length'] }),
            ahead: null,
          },
        }
      : null,
    hub: d.hub,
    online: d.online,
  };
}

/** Settings as the renderer gets them: no broker password, only whether one is kept. */
export function redactSettings(s: Settings): Settings {
  return {
    ...s,
    sources: {
      ...s.sources,
      brokers: s.sources.brokers.map(({ password, passwordSet: _set, ...b }) => ({ ...b, passwordSet: password !== undefined && password !== '' })),
    },
    mqttPublish: s.mqttPublish && (({ password, passwordSet: _set, ...b }) => ({ ...b, passwordSet: password !== undefined && password !== '' }))(s.mqttPublish),
  };
}

/**
 * A brokers list from the renderer, which never sees passwords: a broker without one keeps the
 * password stored for the same URL and user, unless `passwordSet: false` says to forget it.
 */
export function keepPasswords(next: readonly BrokerSettings[], stored: readonly BrokerSettings[]): BrokerSettings[] {
  return next.map(({ passwordSet, ...b }) => {
    if (b.password !== undefined && b.password !== '') return b;
    const old = stored.find((o) => o.url === b.url && (o.user ?? '') === (b.user ?? ''));
    const { password: _drop, ...rest } = b;
    return passwordSet !== false && old?.password ? { ...rest, password: old.password } : rest;
  });
}
