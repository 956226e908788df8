// Where run-time files are found from source, from a bundle in the repository and from a packaged
// app. The source layout is this process's own; the other two are the pure resolver given the
// runtime a bundle would see (packaged.e2e.test.ts runs the real packed bundle).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { resolveResourcePaths, resourcePaths } from '../../src-main/resources/resource-paths.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('resource paths', () => {
  it('from source: the repository, the worker entry that registers tsx, firmware and shims beside the sources', () => {
    const r = resourcePaths();
    expect(r.layout).toBe('source');
    expect(r.root).toBe(path.resolve(root));
    expect(fileURLToPath(r.boardWorker)).toBe(path.join(root, 'src-main', 'pico', 'worker-entry.mjs'));
    expect(existsSync(r.boardWorker)).toBe(true);
    expect(existsSync(path.join(r.firmwareDir, 'main.py'))).toBe(true);
    expect(existsSync(path.join(r.shimsDir, 'bluetooth.py'))).toBe(true);
    expect(existsSync(r.packageJson)).toBe(true);
    expect(r.electronSqlite).toBeNull();
  });

  it('from a bundle in the repository: the bundled worker, the tree\'s firmware and shims', () => {
    const r = resolveResourcePaths({ bundled: true, here: '/repo/dist/shell', resourcesPath: undefined, electron: false });
    expect(r).toEqual({
      layout: 'bundle',
      root: '/repo',
      firmwareDir: '/repo/firmware',
      shimsDir: '/repo/src-main/pico/python',
      boardWorker: pathToFileURL('/repo/dist/worker/board-worker.mjs'),
      rendererDir: '/repo/dist/renderer',
      preload: '/repo/dist/shell/preload.cjs',
      packageJson: '/repo/package.json',
      electronSqlite: null,
    });
  });

  it('under `npm start`: Electron\'s own resources folder is not the app\'s, and SQLite is the Electron build', () => {
    const r = resolveResourcePaths({ bundled: true, here: '/repo/dist/shell', resourcesPath: '/repo/node_modules/electron/dist/resources', electron: true });
    expect(r.layout).toBe('bundle');
    expect(r.firmwareDir).toBe('/repo/firmware');
    expect(r.electronSqlite).toBe('/repo/dist/native/electron/better_sqlite3.node');
  });

  it('packaged: the app in app.asar, the worker from app.asar.unpacked, firmware and shims from resources/', () => {
    const r = resolveResourcePaths({ bundled: true, here: '/opt/PicoLink/resources/app.asar/dist/shell', resourcesPath: '/opt/PicoLink/resources', electron: true });
    expect(r).toEqual({
      layout: 'packaged',
      root: '/opt/PicoLink/resources/app.asar',
      firmwareDir: '/opt/PicoLink/resources/firmware',
      shimsDir: '/opt/PicoLink/resources/python',
      boardWorker: pathToFileURL('/opt/PicoLink/resources/app.asar.unpacked/dist/worker/board-worker.mjs'),
      rendererDir: '/opt/PicoLink/resources/app.asar/dist/renderer',
      preload: '/opt/PicoLink/resources/app.asar/dist/shell/preload.cjs',
      packageJson: '/opt/PicoLink/resources/app.asar/package.json',
      // electron-builder rebuilt node_modules' better-sqlite3 for Electron.
      electronSqlite: null,
    });
  });

  it('packaged without asar: everything in resources/app', () => {
    const r = resolveResourcePaths({ bundled: true, here: '/opt/PicoLink/resources/app/dist/shell', resourcesPath: '/opt/PicoLink/resources', electron: true });
    expect(r.layout).toBe('packaged');
    expect(fileURLToPath(r.boardWorker)).toBe('/opt/PicoLink/resources/app/dist/worker/board-worker.mjs');
    expect(r.firmwareDir).toBe('/opt/PicoLink/resources/firmware');
  });

  it('packaged on macOS: resources inside the .app bundle, a path with a space', () => {
    const res = '/Applications/PicoLink.app/Contents/Resources';
    const r = resolveResourcePaths({ bundled: true, here: `${res}/app.asar/dist/shell`, resourcesPath: res, electron: true });
    expect(r.layout).toBe('packaged');
    expect(r.shimsDir).toBe(`${res}/python`);
    expect(r.boardWorker.href).toBe('file:///Applications/PicoLink.app/Contents/Resources/app.asar.unpacked/dist/worker/board-worker.mjs');
  });
});
