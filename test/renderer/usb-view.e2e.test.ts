// Boards on USB and Settings -> Simulator in Debian's Chromium (issue 16 points 2 and 3): the built
// renderer over the test bridge, against a real HubService. The USB listing and installer are
// replaced by ones the test steps by hand, so the view's list, progress bar, error advice and
// cancel are each seen for certain (usb-service.int.test.ts runs the real ones against a virtual
// Pico). Then a simulator group runs the tutorial's two files from a folder chosen in the folder
// dialog, and what that board prints shows in the Console view.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubService } from '../../src-main/app/hub-service.ts';
import { UsbError } from '../../src-main/usb/errors.ts';
import type { InstallProgress, installPicoLink } from '../../src-main/usb/installer.ts';
import type { UsbBoard } from '../../src-main/usb/listing.ts';
import { stateOnlyNoble } from '../app/state-only-noble.ts';
import { hasChromium, launchChromium, serveDashboard, shoot } from './dashboard-page.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

const PICO: UsbBoard = { path: '/dev/ttyACM7', label: 'MicroPython Board in FS mode 2e8a:0005', micropython: { version: '1.27.0', machine: 'Raspberry Pi Pico W with RP2040' }, picolink: null };
const BARE: UsbBoard = { path: '/dev/ttyUSB0', label: 'FTDI 0403:6001', micropython: null, picolink: null, error: { code: 'not-micropython', message: 'no raw REPL prompt' } };

/** An install the test steps through: progress on demand, then an ending it picks. */
interface Step {
  progress(p: InstallProgress): void;
  finish(r: Error | { version: string; files: number; bytes: number }): void;
  signal: AbortSignal;
}
let installed: string | null = null;
const steps: Step[] = [];
const install: typeof installPicoLink = (_path, _config, opts) =>
  new Promise((resolve, reject) => {
    opts.signal?.addEventListener('abort', () => reject(new UsbError('cancelled', 'The install was cancelled.')));
    steps.push({
      progress: (p) => opts.onProgress?.(p),
      finish: (r) => (r instanceof Error ? reject(r) : ((installed = r.version), resolve(r))),
      signal: opts.signal!,
    });
  });
const list = async (): Promise<UsbBoard[]> => [installed ? { ...PICO, picolink: { version: installed } } : PICO, BARE];

let browser: Browser | null = null;
let home: string;
let tutorial: string;
let service: HubService | null = null;
let dashboard: Awaited<ReturnType<typeof serveDashboard>> | null = null;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  if (!hasChromium) return;
  browser = await launchChromium();
  home = mkdtempSync(path.join(tmpdir(), 'picolink-e2e-usb-'));
  // The tutorial's two files: its code (the raw-bluetooth stand-in of the fixture) and a main.py
  // that starts its peripheral at boot, as the tutorial's peripheral.py does on a Pico W.
  tutorial = path.join(home, 'pico-tutorial');
  mkdirSync(tutorial);
  copyFileSync(path.join(root, 'test/fixtures/firmware-tutorial/examples/tutorial.py'), path.join(tutorial, 'tutorial.py'));
  writeFileSync(
    path.join(tutorial, 'main.py'),
    'import asyncio\nimport tutorial\n\n\nclass cfg:\n    TUTORIAL_ROLE = "peripheral"\n    NAME = "Tut-P"\n\n\nasyncio.run(tutorial.main(cfg))\n',
  );
  const fake = stateOnlyNoble();
  service = await HubService.create({
    home,
    settings: { adapter: { kind: 'system' }, theme: 'light' },
    createNoble: () => fake.noble,
    chooseFolder: async () => tutorial,
    usb: { list, install },
    statusIntervalMs: 250,
  });
  dashboard = await serveDashboard(browser, service, pageErrors);
  page = dashboard.page;
}, 120_000);

afterAll(async () => {
  await dashboard?.close();
  await service?.stop();
  await browser?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

const text = (id: string) => page.getByTestId(id).textContent();


describe.skipIf(!hasChromium)('Boards on USB in Chromium', () => {
  it('lists the boards: port, MicroPython version, PicoLink or "not installed", and advice for a port without MicroPython', async () => {
    await page.getByTestId('tab-usb').click();
    const rows = page.getByTestId('usb-row');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(2);
    const pico = page.locator(`[data-testid="usb-row"][data-path="${PICO.path}"]`);
    expect(await pico.getByTestId('usb-micropython').textContent()).toContain('1.27.0');
    expect(await pico.getByTestId('usb-picolink').textContent()).toBe('not installed');
    expect(await pico.getByTestId('usb-install').textContent()).toBe('Install');
    const bare = page.locator(`[data-testid="usb-row"][data-path="${BARE.path}"]`);
    expect(await bare.getByTestId('usb-install').isDisabled()).toBe(true);
    const advice = await text('usb-row-advice');
    expect(advice).toContain('BOOTSEL');
    expect(advice).toContain('micropython.org/download/RPI_PICO_W');
  });

  it('checks the form as the contract does, shows the progress bar, then the board in Devices', async () => {
    const pico = page.locator(`[data-testid="usb-row"][data-path="${PICO.path}"]`);
    await pico.getByTestId('usb-install').click();
    await page.getByTestId('usb-name').fill('bad"name');
    expect(await text('usb-form-error')).toMatch(/^Name: /);
    expect(await page.getByTestId('usb-start').isDisabled()).toBe(true);
    await page.getByTestId('usb-name').fill('kitchen');
    await page.getByTestId('usb-start').click();
    await expect.poll(() => steps.length, { timeout: 5_000 }).toBe(1);
    steps[0]!.progress({ phase: 'copy', file: 'picolink/link.py', done: 2, total: 5 });
    await expect.poll(() => text('usb-progress-text'), { timeout: 5_000 }).toBe('Copying picolink/link.py (2 of 5)');
    expect(await page.getByTestId('usb-progress').getAttribute('value')).toBe('2');
    await shoot(page, 'boards-on-usb.png');
    steps[0]!.finish({ version: '1.4.0', files: 5, bytes: 20_480 });
    await expect.poll(() => page.getByTestId('usb-done').count(), { timeout: 5_000 }).toBe(1);
    expect(await text('usb-done')).toContain('watch it appear in Devices');
    // Listed again: the board now says which PicoLink it runs, and offers an update.
    await expect.poll(() => pico.getByTestId('usb-picolink').textContent(), { timeout: 5_000 }).toBe('1.4.0');
    expect(await pico.getByTestId('usb-install').textContent()).toBe('Update');
    await page.getByTestId('usb-open-devices').click();
    expect(await page.getByTestId('tab-devices').getAttribute('aria-selected')).toBe('true');
  });

  it('says a board that stopped answering kept what it had', async () => {
    await page.getByTestId('tab-usb').click();
    await page.locator(`[data-testid="usb-row"][data-path="${PICO.path}"]`).getByTestId('usb-install').click();
    await page.getByTestId('usb-start').click();
    await expect.poll(() => steps.length, { timeout: 5_000 }).toBe(2);
    steps[1]!.finish(new UsbError('no-answer', 'The board stopped answering during picolink/link.py.'));
    const error = page.getByTestId('usb-error');
    await expect.poll(() => error.getAttribute('data-code'), { timeout: 5_000 }).toBe('no-answer');
    expect(await error.textContent()).toContain('Nothing was half-installed');
  });

  it('cancels an install in progress', async () => {
    await page.getByTestId('usb-start').click();
    await expect.poll(() => steps.length, { timeout: 5_000 }).toBe(3);
    steps[2]!.progress({ phase: 'copy', file: 'main.py', done: 1, total: 5 });
    await expect.poll(() => page.getByTestId('usb-cancel').count(), { timeout: 5_000 }).toBe(1);
    await page.getByTestId('usb-cancel').click();
    await expect.poll(() => page.getByTestId('usb-error').getAttribute('data-code'), { timeout: 5_000 }).toBe('cancelled');
    expect(steps[2]!.signal.aborted).toBe(true);
    expect(await text('usb-error')).toContain('Install cancelled');
    await shoot(page, 'boards-on-usb-cancelled.png');
    // The form is back, ready for another try.
    expect(await page.getByTestId('usb-start').isEnabled()).toBe(true);
  });
});

describe.skipIf(!hasChromium)('Settings -> Simulator in Chromium', () => {
  it('runs a group of boards on a chosen folder (the tutorial) and shows what they print in the Console', async () => {
    await page.getByTestId('open-settings').click();
    await page.getByTestId('adapter-sim').check();
    await page.getByTestId('settings-picos').fill('1');
    await page.getByTestId('sim-group-add').click();
    const second = page.getByTestId('sim-group').nth(1);
    await second.getByTestId('sim-group-choose').click();
    // Shown by its name; the page never held more than main gave it.
    await expect.poll(() => second.getByTestId('sim-group-firmware').textContent(), { timeout: 5_000 }).toBe('pico-tutorial');
    await shoot(page, 'settings-simulator.png');
    await page.getByTestId('settings-save').click();
    await expect.poll(() => page.getByTestId('settings-dialog').count(), { timeout: 60_000 }).toBe(0);
    expect((await service!.handle('settings.get', {})).adapter).toEqual({
      kind: 'sim',
      picos: 2,
      groups: [
        { count: 1, firmwareDir: null },
        { count: 1, firmwareDir: tutorial },
      ],
    });
    await page.getByTestId('tab-console').click();
    const line = page.locator('[data-testid="console-line"][data-direction="board"]', { hasText: 'Peripheral starting to advertise' });
    await expect.poll(() => line.count(), { timeout: 60_000, interval: 250 }).toBeGreaterThan(0);
    expect(await line.first().locator('.who').textContent()).toBe('pico2');
    await shoot(page, 'console-boards.png');
    // The tutorial board (not paired) has a console of its own in the device list.
    const options = await page.getByTestId('console-device').locator('option').allTextContents();
    expect(options).toContain('pico2 (console)');
    // Its USB port is listed among the boards on USB.
    expect(existsSync(path.join(home, 'sim-usb', 'pico2'))).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});
