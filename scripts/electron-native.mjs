// `npm start` runs the hub inside Electron, whose Node ABI differs from the system Node's that
// `npm install` built better-sqlite3 for (better-sqlite3 uses V8's API, not N-API, so one build
// cannot serve both). Rather than rebuilding node_modules in place, which would break `npm test`
// until the next rebuild, this builds a second copy for Electron into dist/native/ and the shell
// points better-sqlite3 at it (PICOLINK_SQLITE_BINDING). Packaged apps get theirs from
// electron-builder's own rebuild. Needs Electron's headers (https://electronjs.org/headers).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const require = createRequire(path.join(root, 'package.json'));
const electronVersion = JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
const sqliteDir = path.dirname(require.resolve('better-sqlite3/package.json'));
const sqliteVersion = JSON.parse(readFileSync(path.join(sqliteDir, 'package.json'), 'utf8')).version;
const outDir = path.join(root, 'dist', 'native', 'electron');
const out = path.join(outDir, 'better_sqlite3.node');
const stamp = path.join(outDir, 'built-for.json');
const want = { electron: electronVersion, betterSqlite3: sqliteVersion, arch: process.arch, platform: process.platform };

if (existsSync(out) && existsSync(stamp) && readFileSync(stamp, 'utf8') === JSON.stringify(want)) process.exit(0);

console.log(`building better-sqlite3 ${sqliteVersion} for Electron ${electronVersion} (${process.platform}-${process.arch}) into ${path.relative(root, outDir)}`);
const work = mkdtempSync(path.join(tmpdir(), 'picolink-sqlite-'));
try {
  cpSync(sqliteDir, work, { recursive: true, filter: (p) => !p.includes(`${path.sep}build${path.sep}`) });
  // As better-sqlite3's own install does: a prebuilt binary for this Electron if one can be
  // downloaded, else a build from source against Electron's headers.
  try {
    const prebuild = require.resolve('prebuild-install/bin.js');
    execFileSync(process.execPath, [prebuild, '--runtime=electron', `--target=${electronVersion}`, `--arch=${process.arch}`], { cwd: work, stdio: 'inherit' });
  } catch {
    const nodeGyp = require.resolve('node-gyp/bin/node-gyp.js');
    try {
      execFileSync(
        process.execPath,
        [nodeGyp, 'rebuild', '--release', `--target=${electronVersion}`, `--arch=${process.arch}`, '--dist-url=https://electronjs.org/headers'],
        { cwd: work, stdio: 'inherit' },
      );
    } catch {
      console.error(
        `\nerror: could not get better-sqlite3 for Electron ${electronVersion}: no prebuilt binary could be downloaded (github.com) ` +
          'and building from source needs Electron\'s headers (electronjs.org) and a C++ toolchain. Run `npm start` once with ' +
          'network access; the headless hub (`npx picolink hub --sim 4`) needs neither.',
      );
      process.exitCode = 1;
    }
  }
  if (!process.exitCode) {
    mkdirSync(outDir, { recursive: true });
    cpSync(path.join(work, 'build', 'Release', 'better_sqlite3.node'), out);
    writeFileSync(stamp, JSON.stringify(want));
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
