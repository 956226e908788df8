// Settings → Publish to MQTT in Debian's Chromium over the test bridge: the user turns publishing
// on for this computer's hub (the simulator), a real Mosquitto with a password receives the hub's
// status, the password never comes back to the page, and turning it off says offline.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubService } from '../../src-main/app/hub-service.ts';
import { startMosquitto, type Mosquitto } from '../setup/mosquitto.ts';
import { Watch } from '../mqtt/mqtt-watch.ts';
import { hasChromium, launchChromium, serveDashboard } from './dashboard-page.ts';

const SECRET = 'pub-Secret-7';

describe.skipIf(!hasChromium)('publish settings in Chromium', () => {
  let home: string;
  let broker: Mosquitto;
  let service: HubService;
  let browser: Browser;
  let dashboard: Awaited<ReturnType<typeof serveDashboard>>;
  let page: Page;
  let w: Watch;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    home = mkdtempSync(path.join(tmpdir(), 'picolink-publish-e2e-'));
    broker = await startMosquitto({ password: { user: 'hub', pass: SECRET } });
    w = await Watch.open(broker.url, ['picolink/lab/#'], { username: 'hub', password: SECRET });
    service = await HubService.create({ home, settings: { theme: 'light', adapter: { kind: 'sim', picos: 1 } }, statusIntervalMs: 200 });
    browser = await launchChromium();
    dashboard = await serveDashboard(browser, service, pageErrors);
    page = dashboard.page;
  }, 60_000);

  afterAll(async () => {
    await dashboard?.close();
    await browser?.close();
    await service?.stop();
    await w?.close();
    await broker?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('turns publishing on from Settings, keeps the password off the page, and off again', async () => {
    await page.getByTestId('open-settings').click();
    await page.getByTestId('publish-on').check();
    await page.getByTestId('publish-hub').fill('a/b');
    expect(await page.getByTestId('settings-publish-error').textContent()).toMatch(/hub name/);
    expect(await page.getByTestId('settings-save').isDisabled()).toBe(true);
    await page.getByTestId('publish-url').fill(broker.url);
    await page.getByTestId('publish-hub').fill('lab');
    await page.getByTestId('publish-user').fill('hub');
    await page.getByTestId('publish-password').fill(SECRET);
    await page.getByTestId('settings-save').click();
    await w.waitFor((s) => s.topic === 'picolink/lab/status' && s.text === 'online', 15_000);

    await page.getByTestId('open-settings').click();
    expect(await page.getByTestId('publish-on').isChecked()).toBe(true);
    expect(await page.getByTestId('publish-password').inputValue()).toBe('');
    expect(await page.getByTestId('publish-password').getAttribute('placeholder')).toBe('(kept)');
    expect(await page.content()).not.toContain(SECRET);
    const before = w.seen.length;
    await page.getByTestId('publish-on').uncheck();
    await page.getByTestId('settings-save').click();
    await w.waitFor((s) => s.topic === 'picolink/lab/status' && s.text === 'offline', 10_000, before);
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
