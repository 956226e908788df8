// The built shell booted the way `npm start -- --sim 4` boots it, with only Electron itself
// faked (test/fixtures/fake-electron: the binary cannot be downloaded on the build machine):
// dist/shell/main.cjs runs in Node, its window's page is the built renderer in Debian's Chromium
// with the built dist/shell/preload.cjs, and the fake carries ipcRenderer.invoke and
// webContents.send between them. Pair two of the four simulated Picos from the page, see their
// charts, then close the window: the app must stop the links, flush the log and exit 0. The page
// comes through the shell's own app protocol (picolink://app, served to Chromium by the fake over
// loopback HTTP), so the CSP, the traversal rules, the permission handlers and the export tokens
// checked here are the built main.cjs's.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOG_FILE } from '../../src-main/hub/store/database.ts';
import { SIM_PAIRED_FILE } from '../../src-main/hub/store/paired-devices.ts';
import { APP_SCHEME_PRIVILEGES, APP_URL } from '../../src-main/shell/app-protocol.ts';
import { CONTENT_SECURITY_POLICY } from '../../src-main/app/csp.ts';
import { EVENT_CHANNEL, REQUEST_CHANNEL } from '../../src-main/shell/ipc-channels.ts';
import { UNTRUSTED_SENDER } from '../../src-main/shell/ipc.ts';
import { hasChromium, launchChromium } from '../renderer/dashboard-page.ts';
import { AppProcess } from './app-process.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const appUrl = APP_URL;

/** Runs the built preload in the page, its require('electron') answered by the test. */
function preloadScript(): string {
  const preload = readFileSync(path.join(root, 'dist', 'shell', 'preload.cjs'), 'utf8');
  return `(() => {
    const listeners = new Map();
    window.__fakeElectronEmit = (channel, args) => { for (const l of listeners.get(channel) ?? []) l({}, ...args); };
    const electron = {
      contextBridge: { exposeInMainWorld: (key, api) => Object.defineProperty(window, key, { value: Object.freeze(api) }) },
      ipcRenderer: {
        invoke: (channel, ...args) => window.__fakeElectronInvoke(channel, args).then((r) => { if ('error' in r) throw new Error(r.error); return r.value; }),
        on: (channel, l) => { const s = listeners.get(channel) ?? new Set(); listeners.set(channel, s); s.add(l); },
      },
    };
    const require = (m) => { if (m === 'electron') return electron; throw new Error('the sandboxed preload cannot require ' + m); };
    const module = { exports: {} };
    (function (require, module, exports) {\n${preload}\n})(require, module, module.exports);
  })();`;
}

let browser: Browser | null = null;

beforeAll(async () => {
  if (!hasChromium) return;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe.skipIf(!hasChromium)('the built app with --sim 4 (Electron faked)', () => {
  let home: string;
  let app: AppProcess;
  let page: Page;
  /** Where the fake serves picolink://app/: http://127.0.0.1:PORT/app/ is picolink://app/. */
  let served: string;
  const pageErrors: string[] = [];
  const toServed = (url: string): string => `${served}/${new URL(url).host}${new URL(url).pathname}`;
  const fromServed = (url: string): string => (url.startsWith(served + '/') ? `picolink://${url.slice(served.length + 1)}` : url);

  beforeAll(async () => {
    home = mkdtempSync(path.join(tmpdir(), 'picolink-boot-'));
    app = AppProcess.start(['--sim', '4'], home, path.join(home, 'chosen.csv'));
    served = (await app.next('protocol')).origin;
    page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`);
    });
    await page.exposeBinding('__fakeElectronInvoke', (source, channel: string, args: unknown[]) =>
      // An iframe would be refused by main; the fake reports what frame asked.
      app.invoke(channel, args, source.frame.parentFrame() ? 'about:iframe' : fromServed(source.frame.url())),
    );
    await page.addInitScript({ content: preloadScript() });
    app.onSend = (channel, args) => {
      if (channel !== EVENT_CHANNEL) return;
      // Events sent before the page is up are lost, as with a real window still loading.
      page.evaluate(([a]) => (window as unknown as { __fakeElectronEmit?: (c: string, a: unknown[]) => void }).__fakeElectronEmit?.('picolink:event', a), [args] as const).catch(() => {});
    };
  }, 120_000);

  afterAll(async () => {
    await page?.close();
    if (app?.child.exitCode === null) app.child.kill('SIGKILL');
    rmSync(home, { recursive: true, force: true });
  });

  it('creates a sandboxed window with the preload, puts the CSP on responses, sets the menu and loads the renderer from its own protocol', async () => {
    expect((await app.next('schemes')).schemes).toEqual([{ scheme: 'picolink', privileges: { ...APP_SCHEME_PRIVILEGES } }]);
    expect((await app.next('protocol')).scheme).toBe('picolink');
    const win = await app.next('window');
    expect(win.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, preload: path.join(root, 'dist', 'shell', 'preload.cjs') });
    expect((await app.next('headers')).headers['Content-Security-Policy']).toEqual([CONTENT_SECURITY_POLICY]);
    expect((await app.next('menu')).labels).toEqual(['&File', '&View', '&Help']);
    expect((await app.next('load')).url).toBe(appUrl);
  }, 90_000);

  it('serves only the built renderer through the protocol, with one CSP in the header and the page', async () => {
    const index = await fetch(toServed(appUrl));
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(index.headers.get('x-frame-options')).toBe('DENY');
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(await index.text());
    expect(meta?.[1]?.replace(/&#39;/g, "'")).toBe(CONTENT_SECURITY_POLICY);
    for (const escape of ['..%2f..%2fpackage.json', '%2e%2e/%2e%2e/package.json', '..%5c..%5cpackage.json', encodeURIComponent(path.join(root, 'package.json'))]) {
      const r = await fetch(`${served}/app/${escape}`);
      expect(r.status, escape).toBe(404);
      expect(await r.text()).not.toContain('"name": "picolink"');
    }
    expect((await fetch(`${served}/elsewhere/index.html`)).status).toBe(404);
  });

  it('denies the page every permission but the clipboard write, grants no device and cancels every chooser', async () => {
    expect((await app.next('handlers')).names).toContain('setPermissionRequestHandler');
    await expect.poll(() => app.said.filter((m) => m.type === 'handlers').at(-1)?.names.length).toBe(4);
    const ask = async (kind: 'request' | 'check' | 'device', permission: string, url = appUrl, isMainFrame = true) =>
      (await app.ask({ type: 'permission', kind, permission, url, isMainFrame })).granted;
    for (const p of ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read', 'midiSysex']) {
      expect(await ask('request', p), p).toBe(false);
      expect(await ask('check', p), p).toBe(false);
    }
    expect(await ask('request', 'clipboard-sanitized-write')).toBe(true);
    expect(await ask('check', 'clipboard-sanitized-write')).toBe(true);
    expect(await ask('request', 'clipboard-sanitized-write', 'https://evil.example/')).toBe(false);
    expect(await ask('request', 'clipboard-sanitized-write', appUrl, false)).toBe(false);
    for (const d of ['hid', 'serial', 'usb']) expect(await ask('device', d)).toBe(false);
    for (const event of ['select-bluetooth-device', 'select-serial-port', 'select-hid-device', 'select-usb-device']) {
      const answer = await app.ask({ type: 'choose', event });
      expect(answer.prevented, event).toBe(true);
      expect(['', null], event).toContain(answer.chosen);
    }
  });

  it('shows the four simulated Picos and links the two paired from the page', async () => {
    await page.goto(toServed(appUrl));
    const rows = page.getByTestId('device-row');
    await expect.poll(() => rows.count(), { timeout: 60_000, interval: 250 }).toBe(4);
    for (let i = 0; i < 2; i++) {
      await page.locator('[data-testid="device-row"][data-paired="false"]').first().getByTestId('pair').click();
      await expect.poll(() => page.locator('[data-testid="device-row"][data-paired="true"]').count(), { timeout: 15_000 }).toBe(i + 1);
    }
    await expect.poll(() => page.locator('[data-testid="device-row"][data-state="linked"]').count(), { timeout: 60_000, interval: 250 }).toBe(2);
    await page.getByTestId('tab-latency').click();
    const charts = page.getByTestId('device-chart');
    await expect.poll(() => charts.count(), { timeout: 10_000 }).toBe(2);
    await expect.poll(async () => Number(await charts.first().getAttribute('data-points')), { timeout: 20_000 }).toBeGreaterThan(5);
    // The test hooks the bench and the bridge tests use are not in the app's page.
    expect(await page.evaluate(() => '__picolink' in window)).toBe(false);
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('refuses a request from any page but its own', async () => {
    const reply = await app.invoke(REQUEST_CHANNEL, ['hub.status', {}], 'https://example.com/');
    expect(reply.value).toEqual({ ok: false, error: UNTRUSTED_SENDER });
    const file = await app.invoke(REQUEST_CHANNEL, ['hub.status', {}], pathToFileURL(path.join(root, 'dist', 'renderer', 'index.html')).href);
    expect(file.value).toEqual({ ok: false, error: UNTRUSTED_SENDER });
  });

  it("exports from the page only to the file chosen in main's dialog, with a token that works once", async () => {
    type Api = { request(channel: string, payload: unknown): Promise<unknown> };
    const call = (channel: string, payload: unknown) =>
      page.evaluate(
        ([c, p]) => (window as unknown as { picolink: Api }).picolink.request(c, p).then((value) => ({ value }), (e: Error) => ({ error: e.message })),
        [channel, payload] as const,
      );
    const bashrc = path.join(home, '.bashrc');
    expect(await call('export.run', { format: 'csv', file: bashrc })).toEqual({ error: expect.stringMatching(/^bad export.run request/) });
    expect(existsSync(bashrc)).toBe(false);
    const { value } = (await call('export.chooseFile', { format: 'csv' })) as { value: { chosen: { token: string; file: string } } };
    expect(value.chosen.file).toBe(path.join(home, 'chosen.csv'));
    const done = (await call('export.run', { token: value.chosen.token })) as { value: { rows: number; file: string } };
    expect(done.value.file).toBe(path.join(home, 'chosen.csv'));
    expect(readFileSync(path.join(home, 'chosen.csv'), 'utf8').split('\n').length).toBeGreaterThan(done.value.rows);
    expect(await call('export.run', { token: value.chosen.token })).toEqual({ error: expect.stringMatching(/already used/) });
  });

  it('quits cleanly when the window closes: links closed, log flushed and closed, exit code 0', async () => {
    const closedAt = Date.now();
    app.child.send({ type: 'close' });
    expect(await app.exited).toBe(0);
    expect(app.said.find((m) => m.type === 'exit')).toEqual({ type: 'exit', code: 0 });
    const paired = JSON.parse(readFileSync(path.join(home, SIM_PAIRED_FILE), 'utf8')) as { devices: { address: string }[] };
    expect(paired.devices).toHaveLength(2);
    const db = new Database(path.join(home, LOG_FILE), { readonly: true });
    try {
      const samples = db.prepare('SELECT device, count(*) AS n, max(t) AS last FROM samples GROUP BY device ORDER BY device').all() as { device: string; n: number; last: number }[];
      expect(samples.map((s) => s.device)).toEqual(paired.devices.map((d) => d.address).sort());
      // Samples up to the close were written: the last batch was flushed, not dropped.
      for (const s of samples) expect(s.last).toBeGreaterThan(closedAt - 1_000);
      // Each link was taken down by the quit, and the log has it.
      const events = db.prepare('SELECT device, state, reason FROM events ORDER BY rowid').all() as { device: string; state: string; reason: string }[];
      for (const d of paired.devices) {
        const mine = events.filter((e) => e.device === d.address);
        expect(mine.slice(-2)).toEqual([
          { device: d.address, state: 'disconnecting', reason: 'hub stopping' },
          { device: d.address, state: 'stopped', reason: 'disconnected' },
        ]);
      }
      const sessions = db.prepare('SELECT ended_at FROM sessions').all() as { ended_at: number | null }[];
      expect(sessions.length).toBeGreaterThan(0);
      for (const s of sessions) expect(s.ended_at).not.toBeNull();
    } finally {
      db.close();
    }
  }, 60_000);
});

describe.skipIf(!hasChromium)('the built app with a bad argument (Electron faked)', () => {
  it('says what is wrong in an error box and exits 2', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'picolink-boot-'));
    try {
      const app = AppProcess.start(['--sim', '0'], home);
      const box = await app.next('error-box');
      expect(box.content).toMatch(/--sim takes a number of Picos from 1 to 64/);
      expect(await app.exited).toBe(2);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }, 30_000);
});
