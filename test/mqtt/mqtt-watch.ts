// A subscriber for the MQTT integration tests: every message under a filter, kept in order, and
// waits with deadlines that quote what did arrive.
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

export interface Seen {
  topic: string;
  text: string;
  retain: boolean;
  qos: number;
  at: number;
  correlationData?: Buffer;
}

export class Watch {
  readonly seen: Seen[] = [];
  private readonly waiters = new Set<() => void>();

  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      this.seen.push({
        topic,
        text: payload.toString('utf8'),
        retain: packet.retain,
        qos: packet.qos,
        at: Date.now(),
        ...(packet.properties?.correlationData ? { correlationData: packet.properties.correlationData } : {}),
      });
      for (const w of [...this.waiters]) w();
    });
  }

  static async open(url: string, filters: string[], options: IClientOptions = {}): Promise<Watch> {
    const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, protocolVersion: 5, ...options });
    const w = new Watch(client);
    await client.subscribeAsync(filters, { qos: 1 });
    return w;
  }

  /** Resolves with the first message from index `from` on that satisfies `pred`. */
  waitFor(pred: (s: Seen) => boolean, ms = 20_000, from = 0): Promise<Seen> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const hit = this.seen.slice(from).find(pred);
        if (hit) {
          clearTimeout(timer);
          this.waiters.delete(check);
          resolve(hit);
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        const topics = [...new Set(this.seen.map((s) => s.topic))].join(', ');
        reject(new Error(`no such message within ${ms} ms; seen ${this.seen.length} on: ${topics}\nlast: ${this.seen.slice(-5).map((s) => `${s.topic} ${s.text.slice(0, 200)}`).join('\n')}`));
      }, ms);
      this.waiters.add(check);
      check();
    });
  }

  on(topic: string): Seen[] {
    return this.seen.filter((s) => s.topic === topic);
  }

  close(): Promise<void> {
    return this.client.endAsync(true);
  }
}
