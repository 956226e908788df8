// The packages frozen into simulated boards, for `picolink sim` and `picolink hub --sim`: from
// --lib folders when given, else from micropython-lib's index through the cache in the app data
// folder. PICOLINK_MIP_INDEX points at another index (a mirror, or a test's), or is `off`: no
// packages and no network, for runs that must not reach the internet (CI).
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { appDataDir } from '../hub/store/app-data.ts';
import { writeFileAtomic } from '../hub/store/atomic-write.ts';
import { loadFrozenPackages } from '../pico/packages/frozen-packages.ts';
import { readLibFolders } from '../pico/packages/lib-folder.ts';
import { packageCacheDir } from '../pico/packages/package-cache.ts';
import { UsageError } from './usage.ts';

export interface BoardPackages {
  files: Record<string, Uint8Array>;
  /** To print once; null when nothing is missing. */
  notice: string | null;
}

export async function boardPackages(libDirs: readonly string[], home: string | null, env: NodeJS.ProcessEnv = process.env): Promise<BoardPackages> {
  if (libDirs.length) return { files: readLibFolders(libDirs), notice: null };
  if (env.PICOLINK_MIP_INDEX === 'off') return { files: {}, notice: null };
  const { files, notice } = await loadFrozenPackages({
    cacheDir: packageCacheDir(home ?? appDataDir(env)),
    writeFile: writeFileAtomic,
    ...(env.PICOLINK_MIP_INDEX ? { index: env.PICOLINK_MIP_INDEX } : {}),
    libFlag: true,
  });
  return { files, notice };
}

/** A --lib argument as an absolute path; a usage error unless it is a folder. */
export function libFolder(dir: string): string {
  const abs = path.resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) throw new UsageError(`--lib ${dir}: no such folder`);
  return abs;
}
