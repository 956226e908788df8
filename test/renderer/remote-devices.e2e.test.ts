// Remote devices in the dashboard (issue 17 point 2), in Debian's Chromium over the test bridge: a
// HubService with this computer's adapters off reads one hub over a real Mosquitto. The device
// list names each device's hub (Unpair asks that hub, and waits while it is offline), the
// console's send reaches the hub's tx topic and the echo comes back from rx, Settings shows the
// broker under Sources (its password never sent to the page), and the hub's last will turns its
// devices offline in the list.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubService } from '../../src-main/app/hub-service.ts';
import { startMosquitto, type Mosquitto } from '../setup/mosquitto.ts';
import { ADDRS, HUB, level, PREFIX, scriptedHub } from '../mqtt/scripted-hub.ts';
import { hasChromium, launchChromium, serveDashboard, shoot } from './dashboard-page.ts';

describe.skipIf(!hasChromium)('remote devices in Chromium', () => {
  let home: string;
  let broker: Mosquitto;
  let hub: Awaited<ReturnType<typeof scriptedHub>>;
  let service: HubService;
  let browser: Browser;
  let dashboard: Awaited<ReturnType<typeof serveDashboard>>;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    home = mkdtempSync(path.join(tmpdir(), 'picolink-remote-e2e-'));
    broker = await startMosquitto();
    hub = await scriptedHub(broker.url);
    service = await HubService.create({
      home,
      settings: { theme: 'light', sources: { adapters: false, brokers: [{ url: broker.url, prefix: PREFIX, user: 'dash', password: 'not-for-the-page' }] } },
      remote: { source: { keepaliveSeconds: 1 } },
      statusIntervalMs: 200,
    });
    browser = await launchChromium();
    dashboard = await serveDashboard(browser, service, pageErrors);
    page = dashboard.page;
  }, 60_000);

  afterAll(async () => {
    await dashboard?.close();
    await browser?.close();
    await service?.stop();
    hub?.client.end(true);
    await broker?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('lists the hub\'s devices with its name', async () => {
    const rows = page.locator(`[data-testid="device-row"][data-hub="${HUB}"]`);
    await expect.poll(() => rows.count(), { timeout: 15_000, interval: 100 }).toBe(2);
    const row = page.locator(`[data-testid="device-row"][data-address="${HUB}/${ADDRS[0]}"]`);
    expect(await row.getByTestId('device-hub').textContent()).toBe(HUB);
    expect(await row.locator('.address').textContent()).toContain(ADDRS[0]);
    // Unpair is a command to the device's hub (its MQTT unpair topic).
    expect(await row.getByTestId('unpair').getAttribute('title')).toBe(`Asks hub ${HUB} to unpair it`);
    expect(await row.getByTestId('unpair').isDisabled()).toBe(false);
    await shoot(page, 'devices-remote.png');
  });

  it('draws the remote device\'s samples in its latency chart, with its stats', async () => {
    const t = Date.now();
    const samples = Array.from({ length: 30 }, (_, i) => ({ seq: i + 1, at: t - 3_000 + i * 100, rttMs: 20 + (i % 5) }));
    await hub.client.publishAsync(`${PREFIX}/${HUB}/${level(ADDRS[0]!)}/samples`, JSON.stringify({ hub: HUB, address: ADDRS[0], name: 'pico1', samples, lost: [], dropped: 0 }));
    await page.getByTestId('tab-latency').click();
    const panel = page.locator(`[data-testid="device-panel"][data-address="${HUB}/${ADDRS[0]}"]`);
    await panel.scrollIntoViewIfNeeded();
    await expect.poll(async () => Number(await panel.getByTestId('device-chart').getAttribute('data-points')), { timeout: 10_000 }).toBe(30);
    await expect.poll(() => panel.getByTestId('stat-p50').textContent(), { timeout: 5_000 }).toMatch(/^2\d(\.\d+)? ms$/);
    expect(await panel.locator('h3').textContent()).toBe(`pico1 @ ${HUB}`);
    // A throughput test is the linking hub's to run.
    expect(await panel.getByTestId('throughput-run').isDisabled()).toBe(true);
    await page.getByTestId('tab-devices').click();
  });

  it('sends from the console to the remote device and shows the echo', async () => {
    await page.getByTestId('tab-console').click();
    await page.getByTestId('console-device').selectOption(`${HUB}/${ADDRS[0]}`);
    const option = await page.locator(`[data-testid="console-device"] option[value="${HUB}/${ADDRS[0]}"]`).textContent();
    expect(option).toBe(`pico1 @ ${HUB}`);
    const input = page.getByTestId('console-input');
    await input.fill('ping over mqtt');
    await input.press('Enter');
    const lines = page.getByTestId('console-line').filter({ hasText: 'ping over mqtt' });
    await expect.poll(() => lines.count(), { timeout: 10_000 }).toBe(2);
    expect(await lines.evaluateAll((els) => els.map((e) => e.getAttribute('data-direction')))).toEqual(['out', 'in']);
    expect(hub.txs).toEqual(['ping over mqtt']);
    await page.getByTestId('tab-devices').click();
  });

  it('shows the broker under Settings → Sources without its password', async () => {
    await page.getByTestId('open-settings').click();
    const broker0 = page.getByTestId('sources-broker');
    expect(await broker0.count()).toBe(1);
    expect(await broker0.getByTestId('broker-url').inputValue()).toBe(broker.url);
    expect(await broker0.getByTestId('broker-password').inputValue()).toBe('');
    expect(await broker0.getByTestId('broker-password').getAttribute('placeholder')).toBe('(kept)');
    expect(await page.getByTestId('sources-adapters').isChecked()).toBe(false);
    expect(await page.content()).not.toContain('not-for-the-page');
    await broker0.scrollIntoViewIfNeeded();
    await shoot(page, 'settings-sources.png');
    await page.getByTestId('settings-cancel').click();
  });

  it('removes the broker and adds it back from Settings → Sources, testing the connection first', async () => {
    const rows = page.locator(`[data-testid="device-row"][data-hub="${HUB}"]`);
    await page.getByTestId('open-settings').click();
    await page.getByTestId('broker-remove').click();
    // Neither adapters nor a broker: nothing to read, so Save waits.
    expect(await page.getByTestId('settings-sources-error').textContent()).toMatch(/adapters, a broker, or both/);
    expect(await page.getByTestId('settings-save').isDisabled()).toBe(true);
    await page.getByTestId('sources-add-broker').click();
    await page.getByTestId('broker-url').fill('http://nope');
    expect(await page.getByTestId('settings-sources-error').textContent()).toMatch(/mqtt:\/\/host/);
    await page.getByTestId('broker-url').fill(broker.url);
    await page.getByTestId('broker-prefix').fill(PREFIX);
    await page.getByTestId('broker-test').click();
    await expect.poll(() => page.getByTestId('broker-test-result').textContent(), { timeout: 10_000 }).toBe(`Connected; hubs: ${HUB}`);
    await page.getByTestId('settings-save').click();
    await expect.poll(() => page.getByTestId('settings-dialog').count()).toBe(0);
    const saved = await service.handle('settings.get', {});
    expect(saved.sources.brokers).toEqual([{ url: broker.url, prefix: PREFIX, passwordSet: false }]);
    await expect.poll(() => rows.count(), { timeout: 10_000, interval: 100 }).toBe(2);
  });

  it('shows the hub offline when its last will arrives', async () => {
    (hub.client as unknown as { stream: { destroy(): void } }).stream.destroy();
    const row = page.locator(`[data-testid="device-row"][data-address="${HUB}/${ADDRS[0]}"]`);
    await expect.poll(() => row.getAttribute('data-online'), { timeout: 5_000, interval: 100 }).toBe('false');
    expect(await row.getByTestId('device-hub').textContent()).toBe(`${HUB} · offline`);
    // No command can reach an offline hub.
    expect(await row.getByTestId('unpair').isDisabled()).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});
