// Home Assistant discovery configs (src-main/mqtt/ha-discovery.ts) checked against the rules of
// Home Assistant's MQTT integration:
// - homeassistant/components/mqtt/discovery.py TOPIC_MATCHER:
//   (?P<component>\w+)/(?:(?P<node_id>[a-zA-Z0-9_-]+)/)?(?P<object_id>[a-zA-Z0-9_-]+)/config
// - the docs' `device` key: "Only works when unique_id is set. At least one of identifiers or
//   connections must be present"; via_device is "Identifier of a device that routes messages";
// - sensor.mqtt: state_topic required; text.mqtt: command_topic required, max "maximum is 255";
// - availability payloads default to online/offline.
import { describe, expect, it } from 'vitest';
import { HaDiscovery } from '../../src-main/mqtt/ha-discovery.ts';
import { txRequestSchema, statusSchema } from '../../src-main/mqtt/schemas.ts';
import { HubTopics } from '../../src-main/mqtt/topics.ts';

const TOPIC_MATCHER = /^homeassistant\/(?<component>\w+)\/(?:(?<node_id>[a-zA-Z0-9_-]+)\/)?(?<object_id>[a-zA-Z0-9_-]+)\/config$/;
const COMPONENTS = new Set(['sensor', 'binary_sensor', 'text']);

describe('Home Assistant discovery', () => {
  // A hub name with characters HA's ids refuse: they must not leak into the discovery topic.
  const topics = new HubTopics('picolink', 'Green house.1');
  const ha = new HaDiscovery(topics, 'homeassistant', '0.1.0');
  const devices = [
    { address: 'aa:bb:cc:dd:ee:01', name: 'pico1' },
    { address: 'aa:bb:cc:dd:ee:02', name: null },
  ];
  const all = [ha.hub(), ...devices.flatMap((d) => ha.device(d))];
  const configs = all.map((m) => ({ topic: m.topic, c: JSON.parse(m.payload) as Record<string, unknown> & { device: Record<string, unknown> } }));

  it('every topic matches TOPIC_MATCHER and names a supported component', () => {
    for (const { topic } of configs) {
      const m = TOPIC_MATCHER.exec(topic);
      expect(m, topic).not.toBeNull();
      expect(COMPONENTS.has(m!.groups!.component!)).toBe(true);
    }
    expect(new Set(configs.map((c) => c.topic)).size).toBe(configs.length);
  });

  it('every entity has a unique unique_id and a device with identifiers', () => {
    const ids = configs.map(({ c }) => c.unique_id);
    expect(ids.every((i) => typeof i === 'string' && i.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { c } of configs) expect(Array.isArray(c.device.identifiers) && (c.device.identifiers as unknown[]).length > 0).toBe(true);
  });

  it('each Pico is its own device, routed via the hub, whose device is published too', () => {
    const hub = configs[0]!.c;
    const hubId = (hub.device.identifiers as string[])[0];
    expect(hub.state_topic).toBe(topics.status);
    expect([hub.payload_on, hub.payload_off]).toEqual(statusSchema.options);
    const picoIds = new Set<string>();
    for (const { c } of configs.slice(1)) {
      expect(c.device.via_device).toBe(hubId);
      expect(c.device.manufacturer).toBe('PicoLink');
      expect(c.device.name).toBeTruthy();
      picoIds.add((c.device.identifiers as string[])[0]!);
    }
    expect(picoIds.size).toBe(2);
    expect(configs.find(({ c }) => c.device.name === 'Pico aa:bb:cc:dd:ee:02')).toBeDefined();
  });

  it('sensors have a state_topic of the tree, all with the hub status as availability', () => {
    const sensors = configs.slice(1).filter(({ topic }) => topic.startsWith('homeassistant/sensor/'));
    expect(sensors.map(({ c }) => c.name)).toEqual(['RTT p50', 'Loss', 'RSSI', 'Link', 'RTT p50', 'Loss', 'RSSI', 'Link']);
    for (const { c } of sensors) {
      expect(topics.parse(c.state_topic as string)?.kind).toMatch(/^(stats|state)$/);
      expect(c.availability_topic).toBe(topics.status);
      expect(c.value_template).toMatch(/^\{\{ value_json\.\w+ \}\}$/);
    }
  });

  it('the text entity commands DEVICE/tx with a payload tx accepts, within HA text max', () => {
    const texts = configs.filter(({ topic }) => topic.startsWith('homeassistant/text/'));
    expect(texts).toHaveLength(2);
    const t = texts[0]!.c;
    expect(topics.parse(t.command_topic as string)).toEqual({ hub: 'Green house.1', kind: 'tx', device: 'aa:bb:cc:dd:ee:01' });
    expect(t.max).toBeLessThanOrEqual(255);
    // What HA sends: the template rendered with value = the text typed (Jinja tojson = JSON).
    expect(t.command_template).toBe('{{ {"text": value} | tojson }}');
    expect(txRequestSchema.safeParse(JSON.parse(JSON.stringify({ text: 'say "hi"\n' }))).success).toBe(true);
  });

  it('removal is an empty retained payload on each config topic', () => {
    const r = ha.remove('aa:bb:cc:dd:ee:01');
    expect(r.map((m) => m.topic)).toEqual(ha.device(devices[0]!).map((m) => m.topic));
    expect(r.every((m) => m.payload === '')).toBe(true);
  });
});
