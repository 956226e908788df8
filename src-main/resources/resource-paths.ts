// Where the files PicoLink reads at run time are, decided in one place for the three ways it runs:
//
//   source    tsx, vitest, bin/picolink.js: everything beside its sources in the repository.
//   bundle    dist/ built by scripts/build-main.mjs and run from the repository (`npm start`, the
//             boot tests): the bundles in dist/, the firmware and Python shims still in the tree.
//   packaged  the same bundles inside resources/app.asar (electron-builder.yml): the worker
//             thread and its WebAssembly in app.asar.unpacked, because Node's own loaders in a
//             worker read real files, not Electron's archive; the firmware and shims as plain
//             files in resources/ (extraResources), where a user can also find them to flash a board.
//
// A bundle moves every module's import.meta.url to the bundle's file, so code that finds files
// relative to itself is wrong in two of the three. The build fails if bundled code other than
// this file does so (scripts/build-main.mjs); code asks here instead. Only the main thread asks.
// The one file a worker finds by itself is MicroPython's .wasm: the runtime's JavaScript looks
// beside itself, in node_modules from source and in the copy of the pair the build puts beside
// the worker bundle.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * True inside a bundle: scripts/build-main.mjs replaces it with a literal (esbuild `define`).
 * Running from source, no such global exists.
 */
declare const PICOLINK_BUNDLED: boolean;

export type Layout = 'source' | 'bundle' | 'packaged';

export interface ResourcePaths {
  layout: Layout;
  /** The repository, or the app inside resources/ (app.asar) when packaged. */
  root: string;
  /** The default firmware of simulated Picos. */
  firmwareDir: string;
  /** Our Python modules (bluetooth, machine, ...) that every simulated board imports. */
  shimsDir: string;
  /** The script a board's worker thread starts from. */
  boardWorker: URL;
  /** The built renderer the app protocol serves. */
  rendererDir: string;
  /** The Electron preload. */
  preload: string;
  /** The app's package.json (its version). */
  packageJson: string;
  /**
   * better-sqlite3 built for Electron by scripts/electron-native.mjs, for `npm start` only: the
   * repository's node_modules holds the build for plain Node that the tests use, and a packaged
   * app's was rebuilt for Electron by electron-builder. Null where it does not apply.
   */
  electronSqlite: string | null;
}

export interface Runtime {
  bundled: boolean;
  /** The folder of the running code: this file's, or the bundle's. */
  here: string;
  /** Electron's process.resourcesPath; undefined in plain Node. */
  resourcesPath: string | undefined;
  /** Whether this is Electron (process.versions.electron), not plain Node. */
  electron: boolean;
}

const inside = (dir: string, parent: string): boolean => {
  const rel = path.relative(parent, dir);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
};

/** The paths for a given runtime; pure, so every layout is testable from source. */
export function resolveResourcePaths(rt: Runtime): ResourcePaths {
  if (!rt.bundled) {
    // src-main/resources/ -> the repository.
    const root = path.resolve(rt.here, '..', '..');
    return {
      layout: 'source',
      root,
      firmwareDir: path.join(root, 'firmware'),
      shimsDir: path.join(root, 'src-main', 'pico', 'python'),
      // Registers tsx, then imports the TypeScript worker beside it.
      boardWorker: pathToFileURL(path.join(root, 'src-main', 'pico', 'worker-entry.mjs')),
      rendererDir: path.join(root, 'dist', 'renderer'),
      preload: path.join(root, 'dist', 'shell', 'preload.cjs'),
      packageJson: path.join(root, 'package.json'),
      electronSqlite: null,
    };
  }
  // Bundles sit in dist/<name>/ -> the app root.
  const root = path.resolve(rt.here, '..', '..');
  // Electron's resourcesPath is its own resources folder under `npm start`; the app is inside it
  // only when packaged.
  const resources = rt.resourcesPath !== undefined && inside(root, rt.resourcesPath) ? rt.resourcesPath : null;
  // What electron-builder unpacks (asarUnpack) lies in app.asar.unpacked; without asar, in place.
  const unpacked = root.endsWith('.asar') ? `${root}.unpacked` : root;
  return {
    layout: resources ? 'packaged' : 'bundle',
    root,
    firmwareDir: resources ? path.join(resources, 'firmware') : path.join(root, 'firmware'),
    shimsDir: resources ? path.join(resources, 'python') : path.join(root, 'src-main', 'pico', 'python'),
    boardWorker: pathToFileURL(path.join(unpacked, 'dist', 'worker', 'board-worker.mjs')),
    rendererDir: path.join(root, 'dist', 'renderer'),
    preload: path.join(root, 'dist', 'shell', 'preload.cjs'),
    packageJson: path.join(root, 'package.json'),
    electronSqlite: !resources && rt.electron ? path.join(root, 'dist', 'native', 'electron', 'better_sqlite3.node') : null,
  };
}

let current: ResourcePaths | null = null;

/** The paths for this process. */
export function resourcePaths(): ResourcePaths {
  current ??= resolveResourcePaths({
    bundled: typeof PICOLINK_BUNDLED !== 'undefined' && PICOLINK_BUNDLED,
    here: import.meta.dirname,
    resourcesPath: (process as { resourcesPath?: string }).resourcesPath,
    electron: process.versions.electron !== undefined,
  });
  return current;
}

