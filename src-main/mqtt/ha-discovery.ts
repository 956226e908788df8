// Home Assistant MQTT discovery (issue 17 point 3): the configs that make each paired Pico a
// device in Home Assistant with RTT p50, loss, RSSI and link-state sensors and a text entity that
// sends a message, all reading the hub's own topics, and the hub itself as the device they come
// through (via_device), whose connectivity is the hub's status topic.
//
// The rules followed, from Home Assistant's MQTT docs (source/_integrations/mqtt.markdown,
// sensor.mqtt, text.mqtt) and homeassistant/components/mqtt/discovery.py:
// - topic `<discovery_prefix>/<component>/[<node_id>/]<object_id>/config`, node_id and object_id
//   matching [a-zA-Z0-9_-]+ (TOPIC_MATCHER); anything else is dropped as an illegal topic;
// - `device` ties an entity into the device registry only when `unique_id` is set, and needs
//   `identifiers` (or connections); `via_device` is another device's identifier;
// - sensor needs `state_topic`; text needs `command_topic`, and its `max` is at most 255;
// - `availability_topic` with the default payloads `online`/`offline`, which `status` carries;
// - a retained empty payload on a config topic removes the entity.
import type { HubTopics } from './topics.ts';
import { deviceLevel } from './topics.ts';
import { linkStateSchema, MAX_MESSAGE_LENGTH, STATUS_OFFLINE, STATUS_ONLINE } from './schemas.ts';

export const DEFAULT_DISCOVERY_PREFIX = 'homeassistant';
/** text.mqtt: "The maximum size of a text being set or received (maximum is 255)". */
export const HA_TEXT_MAX = 255;
const MANUFACTURER = 'PicoLink';

export interface DiscoveryMessage {
  topic: string;
  /** JSON, or '' to remove the entity. */
  payload: string;
}

/** Home Assistant's node_id/object_id alphabet: anything else becomes '_'. */
export function haId(text: string): string {
  return text.replace(/[^a-zA-Z0-9_-]/g, '_');
}

export interface HaDevice {
  address: string;
  name: string | null;
}

export class HaDiscovery {
  readonly nodeId: string;
  readonly hubIdentifier: string;

  constructor(
    private readonly topics: HubTopics,
    readonly prefix = DEFAULT_DISCOVERY_PREFIX,
    private readonly version = '',
  ) {
    this.nodeId = `picolink-${haId(topics.hub)}`;
    this.hubIdentifier = `picolink_hub_${haId(topics.prefix)}_${haId(topics.hub)}`;
  }

  /** The hub's own device: a connectivity sensor on its status topic. */
  hub(): DiscoveryMessage {
    const config = {
      name: 'Connection',
      unique_id: `${this.hubIdentifier}_status`,
      state_topic: this.topics.status,
      payload_on: STATUS_ONLINE,
      payload_off: STATUS_OFFLINE,
      device_class: 'connectivity',
      device: {
        identifiers: [this.hubIdentifier],
        name: `PicoLink hub ${this.topics.hub}`,
        manufacturer: MANUFACTURER,
        model: 'hub',
        ...(this.version ? { sw_version: this.version } : {}),
      },
    };
    return { topic: this.configTopic('binary_sensor', 'hub_status'), payload: JSON.stringify(config) };
  }

  /** Every entity of one device. */
  device(d: HaDevice): DiscoveryMessage[] {
    const dev = deviceLevel(d.address);
    const device = {
      identifiers: [`picolink_${dev}`],
      connections: [['bluetooth', d.address]],
      name: d.name ?? `Pico ${d.address}`,
      manufacturer: MANUFACTURER,
      model: 'Pico W',
      via_device: this.hubIdentifier,
    };
    const common = (what: string): Record<string, unknown> => ({
      unique_id: `picolink_${haId(this.topics.hub)}_${dev}_${what}`,
      availability_topic: this.topics.status,
      device,
    });
    const stats = this.topics.device(d.address, 'stats');
    const state = this.topics.device(d.address, 'state');
    const entities: [component: string, what: string, config: Record<string, unknown>][] = [
      ['sensor', 'rtt_p50', { name: 'RTT p50', state_topic: stats, value_template: '{{ value_json.p50 }}', unit_of_measurement: 'ms', device_class: 'duration', state_class: 'measurement' }],
      ['sensor', 'loss', { name: 'Loss', state_topic: stats, value_template: '{{ value_json.lossPercent }}', unit_of_measurement: '%', state_class: 'measurement' }],
      ['sensor', 'rssi', { name: 'RSSI', state_topic: state, value_template: '{{ value_json.rssi }}', unit_of_measurement: 'dBm', device_class: 'signal_strength', state_class: 'measurement' }],
      ['sensor', 'link', { name: 'Link', state_topic: state, value_template: '{{ value_json.state }}', device_class: 'enum', options: linkStateSchema.options }],
      [
        'text',
        'send',
        {
          name: 'Send',
          command_topic: this.topics.device(d.address, 'tx'),
          // tx takes {"text": ...} (schemas.ts txRequestSchema); tojson escapes what the user typed.
          command_template: '{{ {"text": value} | tojson }}',
          max: Math.min(HA_TEXT_MAX, MAX_MESSAGE_LENGTH),
          mode: 'text',
        },
      ],
    ];
    return entities.map(([component, what, config]) => ({
      topic: this.configTopic(component, `${dev}_${what}`),
      payload: JSON.stringify({ ...config, ...common(what) }),
    }));
  }

  /** Empty retained configs: Home Assistant removes the device's entities. */
  remove(address: string): DiscoveryMessage[] {
    return this.device({ address, name: null }).map((m) => ({ topic: m.topic, payload: '' }));
  }

  private configTopic(component: string, objectId: string): string {
    return `${this.prefix}/${component}/${this.nodeId}/${haId(objectId)}/config`;
  }
}
