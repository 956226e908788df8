// The local copy of the package index: the same layout as the index itself (package JSONs by
// name and version, files by their hash), holding only what was fetched. A file is checked
// against its hash every time it is read, so a damaged entry is never used, only fetched again.
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { filePath, hashMatches, packageJsonPath, parsePackageJson, type PackageJson } from './mip-index.ts';
import { MICROPYTHON_VERSION } from './frozen-set.ts';

/** Writes a file so that a crash leaves the old contents or the new, never a part. */
export type AtomicWrite = (file: string, data: string | Uint8Array) => Promise<void>;

/** `<app data>/micropython-lib/<MicroPython version>`: packages follow the firmware they came with. */
export function packageCacheDir(appData: string): string {
  return path.join(appData, 'micropython-lib', MICROPYTHON_VERSION);
}

export class PackageCache {
  constructor(
    readonly dir: string,
    private readonly write: AtomicWrite,
  ) {}

  /** The cached package JSON, or null if absent or unreadable. */
  async packageJson(name: string, version: string): Promise<PackageJson | null> {
    const text = await readOrNull(this.pathOf(packageJsonPath(name, version)));
    return text === null ? null : parsePackageJson(text.toString('utf8'));
  }

  async putPackageJson(name: string, version: string, text: string): Promise<void> {
    await this.put(packageJsonPath(name, version), text);
  }

  /** The cached file if its contents still match its hash; otherwise null. */
  async file(shortHash: string): Promise<Uint8Array | null> {
    const body = await readOrNull(this.pathOf(filePath(shortHash)));
    return body && hashMatches(body, shortHash) ? new Uint8Array(body) : null;
  }

  /** Only for contents already checked against `shortHash`. */
  async putFile(shortHash: string, body: Uint8Array): Promise<void> {
    await this.put(filePath(shortHash), body);
  }

  private async put(rel: string, data: string | Uint8Array): Promise<void> {
    const file = this.pathOf(rel);
    await mkdir(path.dirname(file), { recursive: true });
    await this.write(file, data);
  }

  private pathOf(rel: string): string {
    return path.join(this.dir, ...rel.split('/'));
  }
}

/** Anything unreadable counts as not cached: it is fetched again and rewritten. */
async function readOrNull(file: string): Promise<Buffer | null> {
  try {
    return await readFile(file);
  } catch {
    return null;
  }
}
