// The integration project's global setup: build the app once per run (`npm run build`: the
// esbuild bundles into dist/shell and dist/worker, Vite into dist/renderer) for every test that
// serves the built renderer or boots the built app, instead of each of them building it again.
// test/shell/built-renderer.int.test.ts still builds into a folder of its own: the build is what it
// checks.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'vite';

const root = path.resolve(import.meta.dirname, '..', '..');

export default async function buildOnce(): Promise<void> {
  await Promise.all([
    promisify(execFile)(process.execPath, [path.join(root, 'scripts', 'build-main.mjs')], { cwd: root, timeout: 120_000 }),
    build({ configFile: path.join(root, 'src-renderer', 'vite.config.ts'), logLevel: 'warn' }),
  ]);
}
