// The dashboard's own hub publishing (Settings: mqttPublish, app/hub-publishing.ts) to a real
// Mosquitto with a password: on when set, the password kept but never handed to the renderer,
// Home Assistant discovery when asked, and offline when turned off.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stateSchema } from '../../src-main/mqtt/schemas.ts';
import { startService, type ServiceHarness } from '../app/service-harness.ts';
import { startMosquitto, type Mosquitto } from '../setup/mosquitto.ts';
import { Watch } from './mqtt-watch.ts';

const SECRET = 'app-Secret-9';
let broker: Mosquitto;
let h: ServiceHarness | null = null;
let w: Watch | null = null;
beforeAll(async () => {
  broker = await startMosquitto({ password: { user: 'hub', pass: SECRET } });
});
afterEach(async () => {
  await h?.close();
  await w?.close();
  h = null;
  w = null;
});
afterAll(async () => {
  await broker?.stop();
});

describe('the dashboard publishing its hub', () => {
  it('publishes when set, keeps the password from the renderer, restarts on change, says offline when turned off', async () => {
    w = await Watch.open(broker.url, ['picolink/dash/#', 'homeassistant/#'], { username: 'hub', password: SECRET });
    h = await startService({ settings: { adapter: { kind: 'sim', picos: 1 }, pingHz: 10 } });
    const { call, seen } = h;
    await expect.poll(() => seen('status').at(-1)?.devices.length, { timeout: 20_000, interval: 50 }).toBe(1);
    const set = await call('settings.set', { mqttPublish: { url: broker.url, prefix: 'picolink', user: 'hub', password: SECRET, hubName: 'dash', haDiscovery: true } });
    expect(set.mqttPublish).toMatchObject({ hubName: 'dash', passwordSet: true });
    expect(JSON.stringify(await call('settings.get', {}))).not.toContain(SECRET);
    await w.waitFor((s) => s.topic === 'picolink/dash/status' && s.text === 'online');
    await w.waitFor((s) => s.topic === 'homeassistant/binary_sensor/picolink-dash/hub_status/config');

    const address = (await call('hub.status', {})).devices[0]!.address;
    await call('device.pair', { target: address });
    const st = await w.waitFor((s) => s.topic.endsWith('/state') && s.text !== '' && stateSchema.parse(JSON.parse(s.text)).state === 'linked', 30_000);
    expect(JSON.parse(st.text)).toMatchObject({ hub: 'dash', address, name: 'pico1' });
    await w.waitFor((s) => s.topic.startsWith('homeassistant/sensor/picolink-dash/') && s.topic.endsWith('_rtt_p50/config'));

    // The renderer sends the setting back without the password: the stored one is kept.
    const before = w.seen.length;
    const again = await call('settings.set', { mqttPublish: { url: broker.url, prefix: 'picolink', user: 'hub', hubName: 'dash', haDiscovery: false } });
    expect(again.mqttPublish).toMatchObject({ passwordSet: true, haDiscovery: false });
    await w.waitFor((s) => s.topic === 'picolink/dash/status' && s.text === 'online', 10_000, before);
    await expect.poll(() => seen('notice').some((n) => /Publishing to mqtt:\/\/hub:\*\*\*@127\.0\.0\.1:\d+ under picolink\/dash\//.test(n.text)), { timeout: 5_000 }).toBe(true);
    expect(JSON.stringify(seen('notice'))).not.toContain(SECRET);

    const before2 = w.seen.length;
    await call('settings.set', { mqttPublish: null });
    await w.waitFor((s) => s.topic === 'picolink/dash/status' && s.text === 'offline', 10_000, before2);
  }, 60_000);
});
