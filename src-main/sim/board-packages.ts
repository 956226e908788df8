// The packages frozen into simulated boards (picolink sim, hub --sim, the app's simulator): from
// --lib folders when given, else from micropython-lib's index through the cache in the app data
// folder. PICOLINK_MIP_INDEX points at another index (a mirror, or a test's), or is `off`: no
// packages and no network, for runs that must not reach the internet (CI).
import { loadFrozenPackages } from '../pico/packages/frozen-packages.ts';
import { readLibFolders } from '../pico/packages/lib-folder.ts';
import { packageCacheDir } from '../pico/packages/package-cache.ts';
import { appDataDir } from '../hub/store/app-data.ts';
import { writeFileAtomic } from '../hub/store/atomic-write.ts';

export interface BoardPackages {
  files: Record<string, Uint8Array>;
  /** To print once; null when nothing is missing. */
  notice: string | null;
}

/** `libFlag`: the notice may tell of --lib (the CLI), or not (the desktop app). */
export async function boardPackages(libDirs: readonly string[], home: string | null, env: NodeJS.ProcessEnv = process.env, libFlag = true): Promise<BoardPackages> {
  if (libDirs.length) return { files: readLibFolders(libDirs), notice: null };
  if (env.PICOLINK_MIP_INDEX === 'off') return { files: {}, notice: null };
  const { files, notice } = await loadFrozenPackages({
    cacheDir: packageCacheDir(home ?? appDataDir(env)),
    writeFile: writeFileAtomic,
    ...(env.PICOLINK_MIP_INDEX ? { index: env.PICOLINK_MIP_INDEX } : {}),
    libFlag,
  });
  return { files, notice };
}
