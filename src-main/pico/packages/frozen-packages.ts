// The packages every virtual Pico W gets as frozen modules: fetched from micropython-lib's index
// on first use into a cache in the app data folder, from the cache after that. Without network
// the boards still run (PicoLink's firmware needs none of these) and the caller gets one notice
// to show the user.
import { MIP_INDEX, PICO_W_FROZEN_PACKAGES } from './frozen-set.ts';
import { missingPackagesNotice } from './missing-notice.ts';
import { PackageCache, type AtomicWrite } from './package-cache.ts';
import { resolvePackages, type Resolved } from './package-resolver.ts';

export interface FrozenPackagesOptions {
  /** Where fetched packages are kept (see packageCacheDir); the caller owns the app data folder. */
  cacheDir: string;
  writeFile: AtomicWrite;
  /** Default micropython-lib's (MIP_INDEX). */
  index?: string;
  /** Default what RPI_PICO_W freezes (PICO_W_FROZEN_PACKAGES). */
  packages?: readonly string[];
  /** Per network request. */
  timeoutMs?: number;
  /** Whether the notice may point at the CLI's --lib DIR. */
  libFlag?: boolean;
}

export interface FrozenPackages {
  /** Path as in a board's /lib -> contents; give to VirtualPico as `frozen`. */
  files: Record<string, Uint8Array>;
  /** For the user, once; null when every package is there. */
  notice: string | null;
  resolved: Resolved;
}

export async function loadFrozenPackages(options: FrozenPackagesOptions): Promise<FrozenPackages> {
  const packages = options.packages ?? PICO_W_FROZEN_PACKAGES;
  const index = options.index ?? MIP_INDEX;
  const resolved = await resolvePackages(packages, {
    index,
    cache: new PackageCache(options.cacheDir, options.writeFile),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
  const notices: string[] = [];
  if (resolved.missing.length) {
    notices.push(missingPackagesNotice({ packages, missing: resolved.missing, problems: resolved.problems, index, cacheDir: options.cacheDir, libFlag: options.libFlag ?? false }));
  }
  if (resolved.cacheError) notices.push(`${resolved.cacheError}; the packages will be fetched again next time`);
  return { files: resolved.files, notice: notices.length ? notices.join('\n') : null, resolved };
}
