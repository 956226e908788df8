// Hubs without boards, for `npm run bench:mqtt`'s broker part: each of HUBS connections publishes,
// for each of DEVICES devices, what a hub linked at 10 Hz publishes (publisher.ts): a samples batch
// every 250 ms (2 or 3 samples, seq counting on) and retained stats each second, on the same topics
// and with the same payload shapes (mqtt/schemas.ts). The newest sample of each batch is "answered"
// at the publish, so arrival minus its at + rttMs is the trip alone.
// Usage: tsx bench/mqtt/synthetic-hubs.ts URL HUBS DEVICES  (runs until its stdin closes)
import mqtt from 'mqtt';
import type { SamplesPayload, StatsPayload } from '../../src-main/mqtt/schemas.ts';
import { HubTopics } from '../../src-main/mqtt/topics.ts';

const [url, hubsArg, devicesArg] = process.argv.slice(2);
const HUBS = Number(hubsArg);
const DEVICES = Number(devicesArg);
const BATCH_MS = 250;
const PING_MS = 100;
const RTT_MS = 20;

const address = (h: number, d: number): string => ['e6', '62', (h >> 8).toString(16).padStart(2, '0'), (h & 0xff).toString(16).padStart(2, '0'), '00', d.toString(16).padStart(2, '0')].join(':');

const timers: NodeJS.Timeout[] = [];
const clients: mqtt.MqttClient[] = [];
for (let h = 0; h < HUBS; h++) {
  const topics = new HubTopics('picolink', `s${h + 1}`);
  const client = mqtt.connect(url!, { clientId: `synthetic-${h + 1}`, reconnectPeriod: 1_000, queueQoSZero: false });
  clients.push(client);
  const seq = new Array<number>(DEVICES).fill(0);
  let tick = 0;
  const publish = (): void => {
    if (!client.connected) return;
    const now = Date.now();
    tick++;
    for (let d = 0; d < DEVICES; d++) {
      const a = address(h, d);
      // 10 pings a second in batches of 250 ms: 2, 3, 2, 3, ...
      const n = tick % 2 ? 2 : 3;
      const samples: SamplesPayload['samples'] = [];
      for (let i = n - 1; i >= 0; i--) samples.push({ seq: seq[d]!++, at: now - RTT_MS - i * PING_MS, rttMs: RTT_MS });
      const p: SamplesPayload = { hub: topics.hub, address: a, name: `pico${d + 1}`, samples, lost: [], dropped: 0 };
      client.publish(topics.device(a, 'samples'), JSON.stringify(p), { qos: 0 });
      if (tick % 4 === 0) {
        const s: StatsPayload = { hub: topics.hub, address: a, name: `pico${d + 1}`, windowSeconds: 10, count: 100, lost: 0, lossPercent: 0, p50: RTT_MS, p95: RTT_MS, p99: RTT_MS, mean: RTT_MS, max: RTT_MS, at: now };
        client.publish(topics.device(a, 'stats'), JSON.stringify(s), { qos: 0, retain: true });
      }
    }
  };
  // Spread the hubs over the batch period, as independent machines would be.
  timers.push(setTimeout(() => timers.push(setInterval(publish, BATCH_MS)), Math.random() * BATCH_MS));
}
process.stdout.write('ready\n');
process.stdin.on('end', () => {
  for (const t of timers) clearInterval(t);
  for (const c of clients) c.end(true);
  process.exit(0);
});
process.stdin.resume();
