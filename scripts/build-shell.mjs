// Bundles the Electron shell: dist/shell/main.cjs (main process) and dist/shell/preload.cjs
// (sandboxed preload, which may require only 'electron'). The hub service is not in the bundle:
// main.cjs loads src-main/app/hub-service.ts through tsx at run time, because the simulator
// finds its worker, Python shims and firmware by URLs relative to its own source files.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const out = path.join(root, 'dist', 'shell');
rmSync(out, { recursive: true, force: true });

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  sourcemap: 'linked',
  logLevel: 'info',
  absWorkingDir: root,
};

const results = await Promise.all([
  build({
    ...common,
    entryPoints: ['src-main/shell/main.ts'],
    outfile: path.join(out, 'main.cjs'),
    // Native and optional packages, and tsx (which loads the hub at run time), stay outside.
    external: ['electron', 'better-sqlite3', '@stoprocent/*', 'node-pty', 'dbus-next', 'usb', '@serialport/*', 'tsx', 'tsx/*'],
    metafile: true,
  }),
  build({
    ...common,
    entryPoints: ['src-main/shell/preload.ts'],
    outfile: path.join(out, 'preload.cjs'),
    external: ['electron'],
    metafile: true,
  }),
]);

// The preload runs sandboxed: anything it requires besides electron would fail at run time.
const preloadImports = Object.values(results[1].metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path));
const stray = preloadImports.filter((p) => p !== 'electron');
if (stray.length) throw new Error(`the preload must import only electron, but imports ${stray.join(', ')}`);
// The main bundle must not have pulled the hub in (see above).
const bundled = Object.keys(results[0].metafile.inputs);
const hub = bundled.filter((f) => f.startsWith('src-main/hub/') || f.startsWith('src-main/pico/') || f.startsWith('src-main/app/'));
const allowed = ['src-main/hub/store/app-data.ts', 'src-main/hub/store/sqlite-binding.ts'];
const unexpected = hub.filter((f) => !allowed.includes(f));
if (unexpected.length) throw new Error(`main.cjs bundled hub sources that must load through tsx: ${unexpected.join(', ')}`);
