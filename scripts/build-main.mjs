// Bundles the app's Node side (`npm run build:main`; `npm run build` adds the renderer):
//   dist/shell/main.cjs            Electron's main process: the shell, the hub service, the hub,
//                                  the radio and the simulator, with every pure-JS dependency
//   dist/shell/preload.cjs         the sandboxed preload, which may require only 'electron'
//   dist/worker/board-worker.mjs   a simulated board's worker thread
//   dist/worker/micropython/       MicroPython's micropython.mjs and .wasm, copied as they are
// No TypeScript is compiled at run time; bin/picolink.js and the tests still run the sources
// through tsx. esbuild rather than electron-vite: the renderer already has its own Vite config,
// and what the Node side needs beyond a plain bundle (an ESM worker beside a CJS main, the
// MicroPython pair copied unbundled, the checks below) is a few lines here and would be plugin
// configuration there, for a dependency more.
//
// What stays outside the bundles is exactly package.json's `dependencies` (native modules and
// what patches them: better-sqlite3, node-pty, noble, serialport, dbus-next): they are what
// electron-builder ships in node_modules. Everything else is a devDependency and is bundled.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const shipped = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})];
/**
 * Native speed-ups ws (which MQTT.js bundles in) requires inside try/catch and does without when
 * they are absent (ws/lib/buffer-util.js, ws/lib/validation.js): left out, never shipped.
 */
const OPTIONAL_ADDONS = ['bufferutil', 'utf-8-validate'];
const MICROPYTHON = '@micropython/micropython-webassembly-pyscript';
/** Where the worker bundle imports MicroPython from, relative to itself. */
const MICROPYTHON_COPY = './micropython/micropython.mjs';

for (const dir of ['shell', 'worker']) rmSync(path.join(root, 'dist', dir), { recursive: true, force: true });

const common = {
  bundle: true,
  platform: 'node',
  // The oldest runtime: Node 20.19 (package.json engines) for the tests and the CLI.
  target: 'node20.19',
  sourcemap: 'linked',
  logLevel: 'warning',
  absWorkingDir: root,
  metafile: true,
  // resources/resource-paths.ts tells source from bundle by it.
  define: { PICOLINK_BUNDLED: 'true' },
};

const [main, preload, worker] = await Promise.all([
  build({
    ...common,
    entryPoints: ['src-main/shell/main.ts'],
    outfile: 'dist/shell/main.cjs',
    format: 'cjs',
    external: ['electron', ...shipped],
    // CommonJS has no import.meta: give it the bundle's own, which is what createRequire needs to
    // find node_modules. Files are never found this way (see the check below).
    define: { ...common.define, 'import.meta.url': '__bundleUrl', 'import.meta.dirname': '__dirname', 'import.meta.filename': '__filename' },
    banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
    // import() of a package becomes require(): Electron's ESM loader has failed to find packages
    // inside app.asar (electron/electron#38957, #40211); its CommonJS loader reads the archive.
    supported: { 'dynamic-import': false },
  }),
  build({
    ...common,
    entryPoints: ['src-main/shell/preload.ts'],
    outfile: 'dist/shell/preload.cjs',
    format: 'cjs',
    external: ['electron'],
  }),
  build({
    ...common,
    entryPoints: ['src-main/pico/board-worker.ts'],
    outfile: 'dist/worker/board-worker.mjs',
    // ESM: the worker and MicroPython's module use top-level await.
    format: 'esm',
    plugins: [
      {
        // Not bundled: MicroPython's module finds its .wasm beside its own URL, and decides it is
        // a script run from the command line (and starts a REPL on stdin) when that URL is the
        // worker's, which inside the worker bundle it would be.
        name: 'micropython-beside',
        setup(b) {
          b.onResolve({ filter: new RegExp(`^${MICROPYTHON}$`) }, () => ({ path: MICROPYTHON_COPY, external: true }));
        },
      },
    ],
  }),
]);

const micropythonDir = path.dirname(createRequire(path.join(root, 'package.json')).resolve(MICROPYTHON));
mkdirSync(path.join(root, 'dist', 'worker', 'micropython'), { recursive: true });
for (const file of ['micropython.mjs', 'micropython.wasm']) copyFileSync(path.join(micropythonDir, file), path.join(root, 'dist', 'worker', 'micropython', file));

const externals = (result) => [...new Set(Object.values(result.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path)))];
const isBuiltin = (p) => p.startsWith('node:') || builtinModules.includes(p);
const packageOf = (p) => p.split('/').slice(0, p.startsWith('@') ? 2 : 1).join('/');
const fail = (message) => {
  console.error(`build-main: ${message}`);
  process.exit(1);
};

// The preload runs sandboxed: anything it requires besides electron would fail at run time.
const stray = externals(preload).filter((p) => p !== 'electron');
if (stray.length) fail(`the preload must import only electron, but imports ${stray.join(', ')}`);
// Main may load from node_modules only what the package ships.
const unshipped = externals(main).filter((p) => !isBuiltin(p) && p !== 'electron' && !shipped.includes(packageOf(p)) && !OPTIONAL_ADDONS.includes(p));
if (unshipped.length) fail(`main.cjs imports ${unshipped.join(', ')}, which package.json does not list in dependencies`);
// The worker starts from app.asar.unpacked, where there is no node_modules at all.
const workerStray = externals(worker).filter((p) => !isBuiltin(p) && p !== MICROPYTHON_COPY);
if (workerStray.length) fail(`the board worker must be self-contained, but imports ${workerStray.join(', ')}`);
// A bundle gives every module the bundle's import.meta, so a file found relative to its source
// would be looked for beside dist/ instead. Such paths belong in resources/resource-paths.ts.
const RELATIVE_FILE = /import\.meta\.(dirname|filename)|new URL\(\s*['"`]\.{1,2}\/[^)]*import\.meta\.url/;
const RESOLVER = 'src-main/resources/resource-paths.ts';
const sources = [...new Set([main, worker].flatMap((r) => Object.keys(r.metafile.inputs)))].filter((f) => f.startsWith('src-main/') && f !== RESOLVER);
const relative = sources.filter((f) => RELATIVE_FILE.test(readFileSync(path.join(root, f), 'utf8')));
if (relative.length) fail(`${relative.join(', ')} find files relative to their source, which a bundle moves: ask ${RESOLVER} instead`);

const size = (result) => Object.entries(result.metafile.outputs).filter(([f]) => !f.endsWith('.map')).map(([f, o]) => `${f} ${(o.bytes / 1024).toFixed(0)} KB`);
console.log([...size(main), ...size(preload), ...size(worker)].join('\n'));
