// The layout of a mip package index (micropython-lib's, or any built the same way): where a
// package's JSON and its files are, what the JSON holds, and how a file is checked against the
// hash that names it. Pure: no network, no disk.
import { createHash } from 'node:crypto';
import { z } from 'zod';

/** The source variant: .py files, which any MicroPython compiles (mip's mpy=False). */
export const SOURCE_VARIANT = 'py';

// Names and hashes become parts of URLs and of cache paths: nothing that could climb out.
const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/;
const HASH = /^[0-9a-f]{8,64}$/;
const TARGET = /^(?!\/)(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9_.\-/]{1,200}$/;

const packageJsonSchema = z.object({
  // [path on the board relative to the install target, short sha256 hex]
  hashes: z.array(z.tuple([z.string().regex(TARGET), z.string().regex(HASH)])).default([]),
  // [path, URL]: files fetched from elsewhere, with no hash to check them by.
  urls: z.array(z.tuple([z.string(), z.string()])).default([]),
  // [package, version or null (latest)]
  deps: z.array(z.tuple([z.string().regex(NAME), z.string().regex(NAME).nullable()])).default([]),
  version: z.string().optional(),
});

export type PackageJson = z.infer<typeof packageJsonSchema>;

export function isPackageName(name: string): boolean {
  return NAME.test(name);
}

/** mip/__init__.py _install_package: `{index}/package/{mpy_version}/{package}/{version}.json`. */
export function packageJsonPath(name: string, version: string): string {
  if (!NAME.test(name) || !NAME.test(version)) throw new Error(`not a package name and version: ${JSON.stringify(`${name}@${version}`)}`);
  return `package/${SOURCE_VARIANT}/${name}/${version}.json`;
}

/** mip/__init__.py _install_json: `{index}/file/{short_hash[:2]}/{short_hash}`. */
export function filePath(shortHash: string): string {
  if (!HASH.test(shortHash)) throw new Error(`not a file hash: ${JSON.stringify(shortHash)}`);
  return `file/${shortHash.slice(0, 2)}/${shortHash}`;
}

/** Parses a package JSON; null when it is not one (the caller reports it). */
export function parsePackageJson(text: string): PackageJson | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  const r = packageJsonSchema.safeParse(raw);
  return r.success ? r.data : null;
}

/** mip/__init__.py _check_exists: the sha256 hex digest starts with the short hash. */
export function hashMatches(body: Uint8Array, shortHash: string): boolean {
  return sha256Hex(body).startsWith(shortHash);
}

export function sha256Hex(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}
