// The dashboard's own hub on a broker (Settings: mqttPublish), as `picolink hub --mqtt` does:
// started with the hub, stopped with it, started again when the setting changes. A broker URL
// or hub name that cannot be used is said as a notice, never thrown at the hub.
import type { Hub } from '../hub/hub.ts';
import type { MqttPublishSettings } from '../ipc/contract.ts';
import { parseBrokerUrl } from '../mqtt/connection.ts';
import { HubMqtt } from '../mqtt/hub-mqtt.ts';

export type PublishingNotice = (level: 'info' | 'warning', text: string) => void;

export class HubPublishing {
  private current: HubMqtt | null = null;
  private hub: Hub | null = null;
  private config: MqttPublishSettings | null = null;

  constructor(private readonly notice: PublishingNotice) {}

  /** Publishes `hub` (null: none) with `config` (null: off); restarts only when either changed. */
  async set(hub: Hub | null, config: MqttPublishSettings | null): Promise<void> {
    if (hub === this.hub && JSON.stringify(config) === JSON.stringify(this.config)) return;
    await this.stop();
    this.hub = hub;
    this.config = config;
    if (!hub || !config) return;
    try {
      const broker = { ...parseBrokerUrl(config.url), ...(config.user ? { username: config.user } : {}), ...(config.password ? { password: config.password } : {}) };
      const m = new HubMqtt(hub, { broker, prefix: config.prefix, hubName: config.hubName, haDiscovery: config.haDiscovery, ca: config.ca ?? null });
      m.on('notice', (n) => {
        if (n.kind === 'connected') this.notice('info', `Publishing to ${n.url} under ${m.topics.base}/.`);
        else if (n.kind === 'disconnected') this.notice('warning', `MQTT publishing: ${n.url}: ${n.why}`);
        else this.notice('warning', n.text);
      });
      m.start();
      this.current = m;
    } catch (e) {
      this.notice('warning', `MQTT publishing is off: ${(e as Error).message}`);
    }
  }

  async stop(): Promise<void> {
    const m = this.current;
    this.current = null;
    this.hub = null;
    this.config = null;
    await m?.stop(1_000);
  }

  /** The running publisher's topics base, for tests and the status line. */
  get base(): string | null {
    return this.current?.topics.base ?? null;
  }
}
