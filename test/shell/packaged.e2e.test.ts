// The app as `npm run dist` packs it, started without tsx. electron-builder itself packs the
// built dist/ with electron-builder.yml into a Linux folder (`--dir`), as it would for the
// AppImage and deb, with two stand-ins for what this machine cannot download: Electron's binary
// (a file with the fuse wire, which electron-builder copies, renames and flips) and Electron's
// headers (no native rebuild: node_modules' builds for this Node are packed instead). Then the
// packed main.cjs runs in plain Node with the fake electron as a packaged app: app.asar, extracted
// where it was, stands in for Electron's view of the archive, less dist/worker, which Node's own
// loaders in a worker thread could not read from an archive and must come from app.asar.unpacked.
// No tsx, sources or bundled packages are within its reach: the hub service, a simulated Pico
// (worker thread, MicroPython's WebAssembly, the Python shims, the firmware) and a link to it
// must all start from the package.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_URL } from '../../src-main/shell/app-protocol.ts';
import { REQUEST_CHANNEL } from '../../src-main/shell/ipc-channels.ts';
import { AppProcess } from './app-process.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fromBuilder = createRequire(createRequire(import.meta.url).resolve('electron-builder/package.json'));
const asar = createRequire(fromBuilder.resolve('app-builder-lib/package.json'))('@electron/asar') as {
  listPackage(archive: string, options: { isPack: boolean }): string[];
  statFile(archive: string, filename: string): { unpacked?: boolean; size?: number };
  extractAll(archive: string, dest: string): void;
};

interface Device {
  address: string;
  name: string | null;
  profile: string | null;
  state: string;
}

describe.skipIf(process.platform !== 'linux')('the packaged app (electron-builder --dir, Electron faked)', () => {
  let work: string;
  let resources: string;
  const entries = new Map<string, { unpacked: boolean; size: number }>();

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'picolink-packaged-'));
    // Electron's binary as far as electron-builder cares: a file with the fuse wire at Electron's
    // defaults (sentinel, wire version 1, 8 fuses), as in packaging.int.test.ts.
    const electronDist = path.join(work, 'electron-dist');
    mkdirSync(electronDist);
    const binary = path.join(electronDist, 'electron');
    writeFileSync(binary, Buffer.concat([Buffer.from('ELF...'), Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'), Buffer.from([1, 8]), Buffer.from('10110001'), Buffer.from('...')]));
    chmodSync(binary, 0o755);
    const out = path.join(work, 'out');
    execFileSync(
      process.execPath,
      [fromBuilder.resolve('electron-builder/cli.js'), '--linux', 'dir', `-c.electronDist=${electronDist}`, '-c.npmRebuild=false', `-c.directories.output=${out}`],
      { cwd: root, stdio: 'pipe', env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' } },
    );
    const unpackedApp = readdirSync(out).find((d) => d.startsWith('linux') && d.endsWith('unpacked'));
    resources = path.join(out, unpackedApp!, 'resources');
    const archive = path.join(resources, 'app.asar');
    for (const f of asar.listPackage(archive, { isPack: false })) {
      const s = asar.statFile(archive, f.slice(1));
      entries.set(f.slice(1).split(path.sep).join('/'), { unpacked: s.unpacked === true, size: s.size ?? 0 });
    }
    // Electron's view of the archive, as files at the archive's own path.
    asar.extractAll(archive, `${archive}.view`);
    rmSync(archive);
    renameSync(`${archive}.view`, archive);
    rmSync(path.join(archive, 'dist', 'worker'), { recursive: true, force: true });
  }, 240_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('packs the bundles into app.asar, without sources, source maps, tsx or the bundled packages', () => {
    for (const f of ['package.json', 'dist/shell/main.cjs', 'dist/shell/preload.cjs', 'dist/renderer/index.html', 'dist/worker/board-worker.mjs']) expect(entries.has(f), f).toBe(true);
    const ours = [...entries.keys()].filter((f) => !f.startsWith('node_modules/'));
    expect(ours.filter((f) => /\.(ts|map)$/.test(f) || f.startsWith('src-main') || f.startsWith('firmware'))).toEqual([]);
    const packages = new Set([...entries.keys()].filter((f) => f.startsWith('node_modules/')).map((f) => f.split('/').slice(1, f.split('/')[1]!.startsWith('@') ? 3 : 2).join('/')));
    for (const p of ['better-sqlite3', 'node-pty', '@stoprocent/noble', 'serialport']) expect(packages.has(p), p).toBe(true);
    for (const p of ['tsx', 'esbuild', 'zod', 'ws', 'hdr-histogram-js', 'chart.js', '@micropython/micropython-webassembly-pyscript', 'electron']) expect(packages.has(p), p).toBe(false);
  });

  it('unpacks the board worker, MicroPython and every native module', () => {
    const unpacked = [...entries].filter(([, e]) => e.unpacked).map(([f]) => f);
    expect(unpacked).toEqual(expect.arrayContaining(['dist/worker/board-worker.mjs', 'dist/worker/micropython/micropython.mjs', 'dist/worker/micropython/micropython.wasm']));
    const native = [...entries.keys()].filter((f) => f.endsWith('.node'));
    expect(native).toContain('node_modules/better-sqlite3/build/Release/better_sqlite3.node');
    expect(native.filter((f) => !entries.get(f)!.unpacked)).toEqual([]);
    for (const f of ['board-worker.mjs', 'micropython/micropython.wasm']) expect(existsSync(path.join(resources, 'app.asar.unpacked', 'dist', 'worker', f)), f).toBe(true);
  });

  it('ships the firmware and the Python shims as plain files in resources/', () => {
    expect(readFileSync(path.join(resources, 'firmware', 'main.py'), 'utf8')).toBe(readFileSync(path.join(root, 'firmware', 'main.py'), 'utf8'));
    const shims = readdirSync(path.join(root, 'src-main', 'pico', 'python')).filter((f) => f.endsWith('.py'));
    expect(readdirSync(path.join(resources, 'python')).sort()).toEqual(shims.sort());
  });

  it('starts without tsx: the hub service, a simulated Pico on its firmware, a link to it, then a clean quit', async () => {
    const main = path.join(resources, 'app.asar', 'dist', 'shell', 'main.cjs');
    // Out of the repository: nothing but the package's own node_modules is within reach.
    const reach = createRequire(main);
    for (const p of ['tsx', 'zod', '@micropython/micropython-webassembly-pyscript']) expect(() => reach.resolve(p), p).toThrow(/Cannot find module/);
    expect(reach.resolve('better-sqlite3')).toBe(path.join(resources, 'app.asar', 'node_modules', 'better-sqlite3', 'lib', 'index.js'));
    const home = path.join(work, 'home');
    const env = { PATH: process.env.PATH, HOME: home, PICOLINK_HOME: home, PICOLINK_MIP_INDEX: 'off', FAKE_ELECTRON_RESOURCES: resources };
    const app = AppProcess.startMain(main, ['--sim', '1'], env, work);
    try {
      const request = async <T,>(channel: string, payload: unknown): Promise<T> => {
        const r = await app.invoke(REQUEST_CHANNEL, [channel, payload], APP_URL);
        const reply = r.value as { ok: boolean; result?: T; error?: string } | undefined;
        if (!reply?.ok) throw new Error(`${channel}: ${r.error ?? reply?.error}`);
        return reply.result as T;
      };
      expect((await app.next('load')).url).toBe(APP_URL);
      const info = await request<{ version: string }>('app.info', {});
      expect(info.version).toBe((JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version);
      // pico1 advertising the PicoLink service: its worker booted MicroPython and ran firmware/main.py.
      const devices = async (): Promise<Device[]> => (await request<{ devices: Device[] }>('hub.status', {})).devices;
      await expect.poll(async () => (await devices()).find((d) => d.name === 'pico1')?.profile, { timeout: 60_000, interval: 250 }).toBe('picolink');
      await request('device.pair', { target: 'pico1' });
      await expect.poll(async () => (await devices()).find((d) => d.name === 'pico1')?.state, { timeout: 60_000, interval: 250 }).toBe('linked');
      // The renderer is served from inside the archive.
      const served = (await app.next('protocol')).origin;
      const page = await fetch(`${served}/app/index.html`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="app">');
      app.child.send({ type: 'close' });
      expect(await app.exited).toBe(0);
      expect(app.stderr.join('')).not.toMatch(/error|tsx/i);
    } finally {
      if (app.child.exitCode === null) app.child.kill('SIGKILL');
    }
  }, 120_000);
});
