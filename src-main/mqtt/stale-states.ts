// Devices a hub no longer pairs, left on the broker by an earlier run: their retained `state`
// (and `stats`, discovery configs) would show in every dashboard as devices of this hub for ever,
// e.g. after `hub --sim 4` then `hub --sim 2` under the same name, or a paired list edited while
// the hub was down. On each connect the hub subscribes to its own PREFIX/HUB/+/state; the broker
// sends what it retains there with the RETAIN flag set (MQTT 5.0 §3.3.1.3, as in 3.1.1), and each
// one for a device the hub does not pair is taken off (Publisher.forget). Live state messages,
// the hub's own, arrive with RETAIN clear and are ignored.
import { EventEmitter } from 'node:events';
import type { IPublishPacket } from 'mqtt';
import type { CommandTarget } from './commands.ts';
import { keepSubscribed, type SubscribingClient } from './subscription.ts';
import type { HubTopics } from './topics.ts';

export interface StaleStatesEvents {
  /** A device taken off the broker (tests, logs). */
  forgot: [string];
  warning: [string];
}

export class StaleStates extends EventEmitter<StaleStatesEvents> {
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly hub: Pick<CommandTarget, 'status'>,
    private readonly client: SubscribingClient,
    private readonly topics: HubTopics,
    private readonly forget: (address: string) => void,
  ) {
    super();
  }

  start(): void {
    this.unsubscribe ??= keepSubscribed(this.client, () => [this.topics.stateFilter()], this.onMessage, (e) =>
      this.emit('warning', `MQTT: could not read this hub's retained device states: ${e.message}`),
    );
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  private readonly onMessage = (topic: string, payload: Buffer, packet: IPublishPacket): void => {
    if (!packet.retain || payload.length === 0) return;
    const t = this.topics.parse(topic);
    if (!t || t.kind !== 'state' || !('device' in t)) return;
    const address = t.device;
    if (this.hub.status().some((d) => d.paired && d.address === address)) return;
    this.forget(address);
    this.emit('forgot', address);
  };
}
