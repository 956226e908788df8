// The built shell booted the way `npm start -- --sim 4` boots it, with only Electron itself
// faked (test/fixtures/fake-electron: the binary cannot be downloaded on the build machine):
// dist/shell/main.cjs runs in Node, its window's page is the built renderer in Debian's Chromium
// with the built dist/shell/preload.cjs, and the fake carries ipcRenderer.invoke and
// webContents.send between them. Pair two of the four simulated Picos from the page, see their
// charts, then close the window: the app must stop the links, flush the log and exit 0.
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOG_FILE } from '../../src-main/hub/store/database.ts';
import { SIM_PAIRED_FILE } from '../../src-main/hub/store/paired-devices.ts';
import { CONTENT_SECURITY_POLICY } from '../../src-main/shell/csp.ts';
import { EVENT_CHANNEL, REQUEST_CHANNEL } from '../../src-main/shell/ipc-channels.ts';
import { UNTRUSTED_SENDER } from '../../src-main/shell/ipc.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const hook = path.join(root, 'test', 'fixtures', 'fake-electron', 'hook.cjs');
const appUrl = pathToFileURL(path.join(root, 'dist', 'renderer', 'index.html')).href;

type FromApp =
  | { type: 'window'; options: { webPreferences: Record<string, unknown> } }
  | { type: 'load'; url: string }
  | { type: 'send'; channel: string; args: unknown[] }
  | { type: 'menu'; labels: string[] }
  | { type: 'headers'; headers: Record<string, string[]> }
  | { type: 'error-box'; title: string; content: string }
  | { type: 'reply'; id: number; value?: unknown; error?: string }
  | { type: 'exit'; code: number };

/** The app's process and what it has said so far. */
class AppProcess {
  readonly said: FromApp[] = [];
  readonly exited: Promise<number | null>;
  private nextId = 1;
  private readonly replies = new Map<number, (m: FromApp & { type: 'reply' }) => void>();
  onSend: ((channel: string, args: unknown[]) => void) | null = null;

  constructor(
    readonly child: ChildProcess,
    readonly stderr: string[],
  ) {
    child.on('message', (m: FromApp) => {
      this.said.push(m);
      if (m.type === 'reply') this.replies.get(m.id)?.(m);
      if (m.type === 'send') this.onSend?.(m.channel, m.args);
    });
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  static start(argv: string[], home: string): AppProcess {
    const stderr: string[] = [];
    const child = fork(path.join(root, 'dist', 'shell', 'main.cjs'), argv, {
      execArgv: ['--require', hook],
      env: { ...process.env, PICOLINK_HOME: home },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
    return new AppProcess(child, stderr);
  }

  async next<T extends FromApp['type']>(type: T, timeoutMs = 60_000): Promise<FromApp & { type: T }> {
    const start = Date.now();
    for (;;) {
      const m = this.said.find((x): x is FromApp & { type: T } => x.type === type);
      if (m) return m;
      if (this.child.exitCode !== null) throw new Error(`the app exited (${this.child.exitCode}) before "${type}": ${this.stderr.join('')}`);
      if (Date.now() - start > timeoutMs) throw new Error(`no "${type}" from the app in ${timeoutMs} ms: ${this.stderr.join('')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** ipcRenderer.invoke as Electron delivers it: to the handler, with the sending frame. */
  invoke(channel: string, args: unknown[], frameUrl: string): Promise<{ value?: unknown; error?: string }> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.replies.set(id, (m) => {
        this.replies.delete(id);
        resolve(m.error === undefined ? { value: m.value } : { error: m.error });
      });
      this.child.send({ type: 'invoke', id, channel, args, frameUrl });
    });
  }
}

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

const hasChromium = existsSync(CHROMIUM);
let browser: Browser | null = null;

beforeAll(async () => {
  if (!hasChromium) return;
  execFileSync(process.execPath, [path.join(root, 'scripts', 'build-shell.mjs')], { cwd: root, stdio: 'ignore' });
  await build({ configFile: path.join(root, 'src-renderer', 'vite.config.ts'), logLevel: 'warn' });
  // Electron loads the renderer's ES modules from file://; Chromium needs to be told it may.
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--allow-file-access-from-files'] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe.skipIf(!hasChromium)('the built app with --sim 4 (Electron faked)', () => {
  let home: string;
  let app: AppProcess;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    home = mkdtempSync(path.join(tmpdir(), 'picolink-boot-'));
    app = AppProcess.start(['--sim', '4'], home);
    page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`);
    });
    await page.exposeBinding('__fakeElectronInvoke', (source, channel: string, args: unknown[]) =>
      // An iframe would be refused by main; the fake reports what frame asked.
      app.invoke(channel, args, source.frame.parentFrame() ? 'about:iframe' : source.frame.url()),
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

  it('creates a sandboxed window with the preload, puts the CSP on responses, sets the menu and loads the renderer', async () => {
    const win = await app.next('window');
    expect(win.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, preload: path.join(root, 'dist', 'shell', 'preload.cjs') });
    expect((await app.next('headers')).headers['Content-Security-Policy']).toEqual([CONTENT_SECURITY_POLICY]);
    expect((await app.next('menu')).labels).toEqual(['&File', '&View', '&Help']);
    expect((await app.next('load')).url).toBe(appUrl);
  }, 90_000);

  it('shows the four simulated Picos and links the two paired from the page', async () => {
    await page.goto(appUrl);
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
