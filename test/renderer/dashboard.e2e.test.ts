// The dashboard end to end: the built renderer in Debian's Chromium (playwright-core), talking
// over the test bridge to a real HubService running three simulated Picos with the real firmware.
// Pair all three from the Devices view, watch their charts grow, send a console message and see
// the echo, export a CSV and read it back. With PICOLINK_SCREENSHOTS=1 the run also rewrites the
// README's screenshots in docs/screenshots/ (off by default, so a test run leaves the tree clean).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Noble } from '@stoprocent/noble';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveBridge, type Bridge } from '../../src-main/app/bridge-server.ts';
import { HubService, type HubServiceOptions } from '../../src-main/app/hub-service.ts';
import { Radio } from '../../src-main/radio/radio.ts';
import { SIM_PAIRED_FILE } from '../../src-main/hub/store/paired-devices.ts';
import { stateOnlyNoble } from '../app/state-only-noble.ts';
import { ATT_WRITE_NOT_PERMITTED, ScriptedGattPeer } from '../hub/scripted-gatt-peer.ts';
import { toLocalDateTime } from '../../src-renderer/src/lib/time.ts';
import { hasChromium, launchChromium, serveDashboard, shoot, STATIC_DIR } from './dashboard-page.ts';

const PICOS = 3;

let home: string;
let service: HubService | null = null;
let dashboard: Awaited<ReturnType<typeof serveDashboard>> | null = null;
let browser: Browser | null = null;
let page: Page;
const pageErrors: string[] = [];

/** Screenshots without the transient toasts (start-up notices) over the content. */

beforeAll(async () => {
  if (!hasChromium) return;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe.skipIf(!hasChromium)('dashboard in Chromium against the simulator', () => {
  beforeAll(async () => {
    home = mkdtempSync(path.join(tmpdir(), 'picolink-e2e-'));
    service = await HubService.create({
      home,
      settings: { adapter: { kind: 'sim', picos: PICOS }, pingHz: 20, theme: 'light' },
      chooseFile: async (format) => path.join(home, `export.${format}`),
      statusIntervalMs: 250,
    });
    dashboard = await serveDashboard(browser!, service, pageErrors);
    page = dashboard.page;
  }, 120_000);

  afterAll(async () => {
    await dashboard?.close();
    await service?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('lists the simulated Picos and pairs all three from the Devices view', async () => {
    const rows = page.getByTestId('device-row');
    await expect.poll(() => rows.count(), { timeout: 60_000, interval: 250 }).toBe(PICOS);
    for (let i = 0; i < PICOS; i++) {
      const row = page.locator('[data-testid="device-row"][data-paired="false"]').first();
      await row.getByTestId('pair').click();
      await expect.poll(() => page.locator('[data-testid="device-row"][data-paired="true"]').count(), { timeout: 15_000 }).toBe(i + 1);
    }
    // All linked, each showing a state badge and a recent "last seen".
    await expect.poll(() => page.locator('[data-testid="device-row"][data-state="linked"]').count(), { timeout: 60_000, interval: 250 }).toBe(PICOS);
    const seen = await page.getByTestId('last-seen').allTextContents();
    expect(seen).toHaveLength(PICOS);
    for (const s of seen) expect(s).toMatch(/now|\d+ s ago/);
    await shoot(page, 'devices.png');
  });

  it('draws a live chart per device and an overlay, whose point counts grow', async () => {
    await page.getByTestId('tab-latency').click();
    const charts = page.getByTestId('device-chart');
    await expect.poll(() => charts.count(), { timeout: 10_000 }).toBe(PICOS);
    const points = async (chart: ReturnType<Page['getByTestId']>) => Number(await chart.getAttribute('data-points'));
    // Charts redraw only while in view: bring each one in, and watch its point count grow.
    const after: number[] = [];
    for (let i = 0; i < PICOS; i++) {
      const chart = charts.nth(i);
      await chart.scrollIntoViewIfNeeded();
      await expect.poll(() => points(chart), { timeout: 20_000 }).toBeGreaterThan(5);
      const before = await points(chart);
      await expect.poll(() => points(chart), { timeout: 5_000, message: `chart ${i} grows` }).toBeGreaterThan(before);
      after.push(await points(chart));
    }
    const overlay = page.getByTestId('overlay-chart');
    await overlay.scrollIntoViewIfNeeded();
    const overlayBefore = await points(overlay);
    await expect.poll(() => points(overlay), { timeout: 5_000 }).toBeGreaterThan(overlayBefore);
    // The overlay holds every device's points (in its 60 s window: 20 Hz x 60 s each at most).
    const overlayNow = await points(overlay);
    expect(overlayNow).toBeLessThanOrEqual(PICOS * 20 * 62);
    expect(overlayNow).toBeGreaterThanOrEqual(Math.min(...after) * PICOS * 0.5);
    const counts = async () => Promise.all([...Array(PICOS).keys()].map((i) => points(charts.nth(i))));

    // Stats come from the hub's window: p50 is a number of ms, MTU and interval are shown.
    // Read at one instant (the stats update with every status).
    const stats = await page
      .getByTestId('latency-stats')
      .first()
      .evaluate((el) => Object.fromEntries([...el.querySelectorAll('[data-testid^="stat-"]')].map((d) => [d.getAttribute('data-testid')!, d.textContent!.trim()])));
    const stat = (id: string) => stats[id] ?? '';
    const ms = (id: string) => {
      expect(stat(id), id).toMatch(/^\d+(\.\d+)? ms$/);
      return parseFloat(stat(id));
    };
    const [p50, p95, p99, max] = [ms('stat-p50'), ms('stat-p95'), ms('stat-p99'), ms('stat-max')];
    expect(p50).toBeLessThanOrEqual(p95);
    expect(p95).toBeLessThanOrEqual(p99);
    expect(p99).toBeLessThanOrEqual(max);
    expect(stat('stat-loss')).toMatch(/^\d+\.\d %$/);
    expect(ms('stat-interval')).toBeGreaterThan(0);
    expect(Number(stat('stat-mtu'))).toBeGreaterThanOrEqual(23);

    // Pause freezes the drawing while samples keep arriving; resume catches up.
    const renders = () => overlay.getAttribute('data-renders');
    await page.getByTestId('pause-toggle').click();
    await page.waitForTimeout(200);
    const frozen = await counts();
    const frozenRenders = await renders();
    const held = async () => page.evaluate(() => [...(window as unknown as { __picolink: { rings: Map<string, { total: number }> } }).__picolink.rings.values()].reduce((a, r) => a + r.total, 0));
    const heldBefore = await held();
    await page.waitForTimeout(1_500);
    expect(await counts()).toEqual(frozen);
    expect(await renders()).toBe(frozenRenders);
    expect(await held()).toBeGreaterThan(heldBefore + 20); // still collecting
    await page.getByTestId('pause-toggle').click();
    await expect.poll(async () => (await counts()).reduce((a, b) => a + b, 0), { timeout: 5_000 }).toBeGreaterThan(frozen.reduce((a, b) => a + b, 0));
    await page.getByTestId('device-panel').first().scrollIntoViewIfNeeded();

    // The throughput test from the device panel shows its result beside the stats, and beside the
    // link's physical limit, with what that limit is for in the tooltip (issue 15 point 6).
    const panel = page.getByTestId('device-panel').first();
    await panel.getByTestId('throughput-octets').fill('20000');
    await panel.getByTestId('throughput-run').click();
    await expect
      .poll(() => panel.getByTestId('throughput-result').textContent(), { timeout: 60_000 })
      .toMatch(/[\d.]+ (B|kB|MB)\/s of [\d.]+ (B|kB|MB)\/s possible \(\d+%\)/);
    // PHY and data length as the adapter's controller reported them (hub/adapter/noble-link-layer.ts): nothing assumed.
    expect(await panel.getByTestId('throughput-vs-limit').getAttribute('title')).toMatch(/^Physical limit from airtime for 1M PHY, 15 ms interval, ATT_MTU \d+, 27-octet link-layer packets\.$/);
    await page.evaluate(() => window.scrollTo(0, 0));
    await shoot(page, 'latency.png');
  }, 120_000);

  it('sends a console message and shows the echo', async () => {
    await page.getByTestId('tab-console').click();
    const first = await page.locator('[data-testid="console-device"] option').nth(1).getAttribute('value');
    await page.getByTestId('console-device').selectOption(first!);
    const text = `hello from e2e ${Date.now() % 100000}`;
    const input = page.getByTestId('console-input');
    await input.fill(text);
    await input.press('Enter');
    const lines = page.getByTestId('console-line');
    // Sent, echoed back; the board's own output may show the text too (a 'board' line).
    const directions = (): Promise<(string | null)[]> => lines.filter({ hasText: text }).evaluateAll((els) => els.map((e) => e.getAttribute('data-direction')));
    await expect.poll(directions, { timeout: 15_000 }).toEqual(expect.arrayContaining(['out', 'in']));
    await expect.poll(() => input.inputValue()).toBe('');
    // ArrowUp brings the message back.
    await input.press('ArrowUp');
    expect(await input.inputValue()).toBe(text);
    await input.fill('');

    // Bad hex is refused inline, not sent.
    await page.getByTestId('console-hex').check();
    await input.fill('de ag');
    await input.press('Enter');
    await expect.poll(() => page.getByTestId('console-error').textContent()).toMatch(/not a hex digit/);
    await input.fill('ca fe');
    await input.press('Enter');
    await expect.poll(() => lines.filter({ hasText: 'ca fe' }).count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
    await page.getByTestId('console-hex').uncheck();
    await shoot(page, 'console.png');

    // Filter narrows the lines shown; Clear empties the console (the log file keeps them).
    await page.getByTestId('console-filter').fill('ca fe');
    const shown = async () => lines.allTextContents();
    await expect.poll(async () => (await shown()).length > 0 && (await shown()).every((t) => t.includes('ca fe'))).toBe(true);
    expect((await shown()).some((t) => t.includes(text))).toBe(false);
    await page.getByTestId('console-filter').fill('');
    await page.getByTestId('console-clear').click();
    await expect.poll(() => lines.count()).toBe(0);
  }, 60_000);

  it('exports the log to CSV with a progress bar and the path shown', async () => {
    await page.getByTestId('open-export').click();
    const dialog = page.getByTestId('export-dialog');
    await dialog.getByTestId('export-csv').check();
    await dialog.getByTestId('export-choose').click();
    const file = path.join(home, 'export.csv');
    await expect.poll(() => dialog.getByTestId('export-file').textContent()).toBe(file);
    await dialog.getByTestId('export-run').click();
    await expect.poll(() => dialog.getByTestId('export-done').textContent(), { timeout: 30_000 }).toContain(file);
    const rows = Number((await dialog.getByTestId('export-done').textContent())!.match(/Exported ([\d,]+) rows/)![1]!.replace(/,/g, ''));
    expect(rows).toBeGreaterThan(50);
    // The progress bar was fed by 'export.progress' and ends full.
    const bar = dialog.getByTestId('export-progress');
    expect(await bar.getAttribute('max')).toBe(String(rows));
    expect(await bar.getAttribute('value')).toBe(String(rows));
    expect(existsSync(file)).toBe(true);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines[0]).toMatch(/^record,session,device,name,time,t_ms,seq,rtt_ms/);
    expect(lines.length - 1).toBe(rows);
    const samples = lines.filter((l) => l.startsWith('sample,'));
    expect(samples.length).toBeGreaterThan(50);
    expect(lines.some((l) => l.startsWith('message,') && l.includes('hello from e2e'))).toBe(true);
    await dialog.getByTestId('export-close').click();
  }, 60_000);

  it('exports one device to NDJSON, and checks the custom time range', async () => {
    await page.getByTestId('open-export').click();
    const dialog = page.getByTestId('export-dialog');
    await dialog.getByTestId('export-ndjson').check();
    const address = await dialog.locator('[data-testid="export-device"] option').nth(1).getAttribute('value');
    await dialog.getByTestId('export-device').selectOption(address!);
    await dialog.getByTestId('export-choose').click();
    const file = path.join(home, 'export.ndjson');
    await expect.poll(() => dialog.getByTestId('export-file').textContent()).toBe(file);
    await dialog.getByTestId('export-run').click();
    await expect.poll(() => dialog.getByTestId('export-done').textContent(), { timeout: 30_000 }).toContain(file);
    const records = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { record: string; device: string });
    expect(records.length).toBeGreaterThan(20);
    expect([...new Set(records.map((r) => r.device))]).toEqual([address]);
    expect(new Set(records.map((r) => r.record))).toContain('sample');

    // "From" after "to" is refused before anything runs; a range that holds nothing exports nothing.
    const run = dialog.getByTestId('export-run');
    await dialog.getByTestId('export-range-custom').check();
    await dialog.getByTestId('export-from').fill(toLocalDateTime(Date.now() + 3_600_000));
    await dialog.getByTestId('export-to').fill(toLocalDateTime(Date.now() + 120_000));
    await expect.poll(() => run.isDisabled()).toBe(true);
    await dialog.getByTestId('export-to').fill(toLocalDateTime(Date.now() + 7_200_000));
    await expect.poll(() => run.isDisabled()).toBe(false);
    await run.click();
    await expect.poll(() => dialog.getByTestId('export-done').textContent(), { timeout: 30_000 }).toMatch(/Exported 0 rows/);
    expect(readFileSync(file, 'utf8')).toBe('');
    await dialog.getByTestId('export-close').click();
  }, 60_000);

  it('disconnects and reconnects a device, showing the state and its reason', async () => {
    await page.getByTestId('tab-devices').click();
    const row = page.locator('[data-testid="device-row"][data-paired="true"]').first();
    const address = await row.getAttribute('data-address');
    const same = page.locator(`[data-testid="device-row"][data-address="${address}"]`);
    await same.getByTestId('disconnect').click();
    await expect.poll(() => same.getAttribute('data-state'), { timeout: 15_000 }).toBe('stopped');
    expect(await same.getByTestId('state-reason').textContent()).toMatch(/disconnect/);
    expect(await same.getByTestId('state-badge').getAttribute('title')).toMatch(/disconnect/);
    await same.getByTestId('connect').click();
    await expect.poll(() => same.getAttribute('data-state'), { timeout: 30_000 }).toBe('linked');
  }, 60_000);

  it('zooms with the wheel and pans by dragging, leaving the live view until Follow live', async () => {
    await page.getByTestId('tab-latency').click();
    const overlay = page.getByTestId('overlay-chart');
    await overlay.scrollIntoViewIfNeeded();
    const follow = page.getByTestId('overlay-chart-follow');
    expect(await follow.count()).toBe(0);
    const box = (await overlay.boundingBox())!;
    const [cx, cy] = [box.x + box.width / 2, box.y + box.height / 2];
    /** The gesture leaves the live view (Follow live appears), and Follow live returns to it. */
    const leavesLiveView = async (gesture: () => Promise<void>): Promise<void> => {
      await page.mouse.move(cx, cy);
      await gesture();
      await expect.poll(() => follow.count(), { timeout: 5_000 }).toBe(1);
      await follow.click();
      await expect.poll(() => follow.count()).toBe(0);
    };
    await leavesLiveView(() => page.mouse.wheel(0, -400));
    await leavesLiveView(async () => {
      await page.mouse.down();
      await page.mouse.move(cx + 120, cy + 10, { steps: 8 });
      await page.mouse.up();
    });
  }, 30_000);

  it('unpairs a device: it leaves the paired list and its chart goes', async () => {
    await page.getByTestId('tab-devices').click();
    const row = page.locator('[data-testid="device-row"][data-paired="true"]').last();
    const address = await row.getAttribute('data-address');
    await row.getByTestId('unpair').click();
    const same = page.locator(`[data-testid="device-row"][data-address="${address}"]`);
    await expect.poll(() => same.getAttribute('data-paired'), { timeout: 15_000 }).toBe('false');
    expect(await page.locator('[data-testid="device-row"][data-paired="true"]').count()).toBe(PICOS - 1);
    const paired = JSON.parse(readFileSync(path.join(home, SIM_PAIRED_FILE), 'utf8')) as { devices: { address: string }[] };
    expect(paired.devices.map((d) => d.address)).not.toContain(address);
    await page.getByTestId('tab-latency').click();
    await expect.poll(() => page.getByTestId('device-chart').count()).toBe(PICOS - 1);
    // Paired again for the tests that follow.
    await page.getByTestId('tab-devices').click();
    await same.getByTestId('pair').click();
    await expect.poll(() => same.getAttribute('data-state'), { timeout: 30_000 }).toBe('linked');
  }, 60_000);

  it('saves settings through settings.set: the theme applies at once and persists', async () => {
    await page.getByTestId('open-settings').click();
    const dialog = page.getByTestId('settings-dialog');
    await dialog.getByTestId('theme-dark').check();
    await dialog.getByTestId('settings-ping').fill('15');
    // Log retention: a value out of range is refused in the form, a good one is saved.
    await dialog.getByTestId('settings-keep-days').fill('0');
    await expect.poll(() => dialog.getByTestId('settings-retention-error').textContent()).toMatch(/Keep the log 1 to 36,500 days/);
    expect(await dialog.getByTestId('settings-save').isDisabled()).toBe(true);
    await dialog.getByTestId('settings-keep-days').fill('30');
    await dialog.getByTestId('settings-keep-gb').fill('0.5');
    await dialog.getByTestId('settings-save').click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    const saved = JSON.parse(readFileSync(path.join(home, 'settings.json'), 'utf8')) as { theme: string; pingHz: number; logKeepDays: number; logKeepGb: number };
    expect(saved.theme).toBe('dark');
    expect(saved.pingHz).toBe(15);
    expect([saved.logKeepDays, saved.logKeepGb]).toEqual([30, 0.5]);
    await expect.poll(() => page.getByTestId('hub-summary').textContent()).toContain('15 Hz');
    await page.getByTestId('tab-latency').click();
    await page.waitForTimeout(500);
    await shoot(page, 'latency-dark.png');
  }, 30_000);

  it("follows the system's colour scheme when the theme is 'system', and previews a theme until cancelled", async () => {
    const theme = () => page.evaluate(() => document.documentElement.dataset.theme);
    const background = () => page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--bg').trim());
    await page.emulateMedia({ colorScheme: 'light' });
    expect(await theme()).toBe('dark'); // saved by the test before
    await page.getByTestId('open-settings').click();
    const dialog = page.getByTestId('settings-dialog');
    await dialog.getByTestId('theme-system').check();
    await expect.poll(theme).toBe('light'); // previewed, resolved against the OS
    await dialog.getByTestId('settings-save').click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    await expect.poll(theme).toBe('light');
    const light = await background();
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(theme).toBe('dark');
    expect(await background()).not.toBe(light);
    await page.emulateMedia({ colorScheme: 'light' });
    await expect.poll(theme).toBe('light');
    // A theme picked and then cancelled goes back to the saved one.
    await page.getByTestId('open-settings').click();
    await dialog.getByTestId('theme-dark').check();
    await expect.poll(theme).toBe('dark');
    await dialog.getByTestId('settings-cancel').click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    await expect.poll(theme).toBe('light');
  }, 30_000);

  it('ran without page errors or CSP violations', () => {
    expect(pageErrors).toEqual([]);
  });
});

describe.skipIf(!hasChromium)('dashboard without Bluetooth', () => {
  const started: { service: HubService; bridge: Bridge; home: string; page: Page }[] = [];
  afterAll(async () => {
    for (const x of started) {
      await x.page.close();
      await x.bridge.close();
      await x.service.stop();
      rmSync(x.home, { recursive: true, force: true });
    }
  });

  /** A page on a hub whose only adapter is a noble that just reports the states it is told to. */
  async function openWithFakeAdapter(): Promise<{ p: Page; banner: ReturnType<Page['getByTestId']>; become: (state: string) => void }> {
    const fake = stateOnlyNoble();
    const p = await open(() => fake.noble);
    await p.waitForTimeout(300);
    return { p, banner: p.getByTestId('adapter-problem'), become: fake.become };
  }

  async function open(createNoble: () => Noble, listSerialPorts?: HubServiceOptions['listSerialPorts']): Promise<Page> {
    const home = mkdtempSync(path.join(tmpdir(), 'picolink-e2e-nobt-'));
    const service = await HubService.create({ home, createNoble, statusIntervalMs: 250, ...(listSerialPorts ? { listSerialPorts } : {}) });
    const bridge = await serveBridge({ service, staticDir: STATIC_DIR });
    const page = await browser!.newPage({ viewport: { width: 1280, height: 800 } });
    started.push({ service, bridge, home, page });
    await page.goto(bridge.url);
    return page;
  }

  it('explains a missing adapter and switches to the simulator in one click', async () => {
    const p = await open(() => {
      throw new Error('no Bluetooth adapter found');
    });
    const banner = p.getByTestId('adapter-problem');
    await expect.poll(() => banner.getAttribute('data-kind'), { timeout: 10_000 }).toBe('unsupported');
    expect(await banner.textContent()).toMatch(/no Bluetooth adapter found/);
    expect(await banner.getAttribute('data-code')).toBe('start-failed');
    await p.getByTestId('use-sim').first().click();
    await expect.poll(() => p.getByTestId('device-row').count(), { timeout: 60_000, interval: 250 }).toBe(4);
    await expect.poll(() => banner.count()).toBe(0);
  }, 90_000);

  it('shows the Linux permission fix as a copyable command', async () => {
    const { p, banner, become } = await openWithFakeAdapter();
    become('unauthorized');
    await expect.poll(() => banner.getAttribute('data-kind'), { timeout: 10_000 }).toBe('unauthorized');
    if (process.platform === 'linux') {
      expect(await p.getByTestId('adapter-fix').textContent()).toMatch(/^sudo setcap cap_net_raw,cap_net_admin\+eip /);
    }
    await expect.poll(() => p.getByTestId('use-sim').count()).toBeGreaterThan(0);
  }, 30_000);

  it('says Bluetooth is off and how to turn it on, and clears when it comes on', async () => {
    const { banner, become } = await openWithFakeAdapter();
    become('poweredOff');
    await expect.poll(() => banner.getAttribute('data-kind'), { timeout: 10_000 }).toBe('poweredOff');
    expect(await banner.textContent()).toMatch(/Bluetooth is off[\s\S]*turn it on/);
    become('poweredOn');
    await expect.poll(() => banner.count(), { timeout: 10_000 }).toBe(0);
  }, 30_000);

  it('offers the serial ports the OS lists, refuses any other path, and names a listed port that is gone', async () => {
    // A port the OS listed a moment ago and that has since been unplugged.
    const p = await open(
      () => {
        throw new Error('no Bluetooth adapter found');
      },
      async () => [{ path: '/dev/picolink-no-such-port', label: 'Test dongle' }],
    );
    await p.getByTestId('open-settings').click();
    const dialog = p.getByTestId('settings-dialog');
    await dialog.getByTestId('adapter-uart').check();
    await expect.poll(() => dialog.getByTestId('settings-ports').textContent()).toMatch(/Serial ports: \/dev\/picolink-no-such-port/);
    expect(await dialog.locator('#settings-ports option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual(['/dev/picolink-no-such-port']);
    await dialog.getByTestId('settings-port').fill(path.join(tmpdir(), '.bashrc'));
    await dialog.getByTestId('settings-save').click();
    // The failed system adapter raises its own error toast at start-up, possibly after this one: find ours by its text.
    const toast = p.locator('[data-testid="toast"][data-level="error"]', { hasText: '.bashrc' });
    await expect.poll(() => toast.count(), { timeout: 10_000 }).toBe(1);
    expect(await toast.textContent()).toMatch(/\.bashrc is not a serial port this computer lists: \/dev\/picolink-no-such-port/);
    expect(await dialog.isVisible()).toBe(true);
    await dialog.getByTestId('settings-port').fill('/dev/picolink-no-such-port');
    await dialog.getByTestId('settings-save').click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    const banner = p.getByTestId('adapter-problem');
    await expect.poll(async () => (await banner.count()) > 0 && (await banner.textContent())!.includes('/dev/picolink-no-such-port'), { timeout: 10_000 }).toBe(true);
    expect(await banner.textContent()).toMatch(/The serial port \/dev\/picolink-no-such-port does not exist/);
    expect(await banner.getAttribute('data-kind')).toBe('unsupported');
    expect(await banner.getAttribute('data-code')).toBe('port-missing');
    expect(await banner.textContent()).not.toMatch(/--sim|--hci|@BAUD/);
  }, 30_000);
});

describe.skipIf(!hasChromium)('dashboard with a device whose GATT setup keeps failing', () => {
  it('shows the fault under the state badge, and on it, whatever step the retry is at', async () => {
    // A UART dongle on the virtual radio and a tutorial-profile device refusing every CCCD write.
    const home = mkdtempSync(path.join(tmpdir(), 'picolink-e2e-fault-'));
    const radio = new Radio();
    radio.addNode({ name: 'dongle' });
    radio.attachPty('dongle', path.join(home, 'dongle'));
    const peer = await ScriptedGattPeer.start(radio, 'stubborn', { profile: 'tutorial', cccd: true, cccdByType: { octets: 0 }, cccdWriteError: ATT_WRITE_NOT_PERMITTED });
    const service = await HubService.create({ home, settings: { adapter: { kind: 'uart', port: path.join(home, 'dongle') }, pingHz: 5, theme: 'light' }, statusIntervalMs: 250 });
    const bridge = await serveBridge({ service, staticDir: STATIC_DIR });
    const p = await browser!.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await p.goto(bridge.url);
      await service.handle('device.pair', { target: peer.address });
      const row = p.locator(`[data-testid="device-row"][data-address="${peer.address}"]`);
      const fault = row.getByTestId('state-fault');
      await expect.poll(() => fault.count(), { timeout: 30_000, interval: 250 }).toBe(1);
      expect(await fault.textContent()).toMatch(/^GATT setup keeps failing \((3|4) times\): no Write Response to the CCCD write of 2a6e/);
      expect(await row.getByTestId('state-reason').count()).toBe(0);
      const badge = row.getByTestId('state-badge');
      expect(await badge.getAttribute('data-fault')).toBe('yes');
      expect(await badge.getAttribute('title')).toMatch(/^GATT setup keeps failing/);
      // The retry goes on (queued, connecting, discovering, backoff) and the fault stays in view.
      const states = new Set<string>();
      const until = Date.now() + 4_000;
      while (Date.now() < until) {
        states.add((await row.getAttribute('data-state')) ?? '');
        expect(await fault.count()).toBe(1);
        await p.waitForTimeout(50);
      }
      expect(states.size).toBeGreaterThan(1);
    } finally {
      await p.close();
      await bridge.close();
      await service.stop();
      peer.close();
      radio.close();
      rmSync(home, { recursive: true, force: true });
    }
  }, 60_000);
});
