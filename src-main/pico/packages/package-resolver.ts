// Packages and their dependencies, from the cache when it has them and from the index when not,
// as mip installs them (mip/__init__.py _install_package, _install_json): a package JSON names
// its files by hash and its deps by name; deps are followed recursively. Unlike mip, every file
// is checked against its hash, and a package is provided whole or not at all.
import { IndexClient, IndexError } from './index-client.ts';
import { filePath, hashMatches, packageJsonPath, parsePackageJson, sha256Hex, type PackageJson } from './mip-index.ts';
import type { PackageCache } from './package-cache.ts';
import type { PackageProblem } from './package-problem.ts';

export interface ResolveOptions {
  index: string;
  cache: PackageCache;
  /** Per network request (default 10 s). */
  timeoutMs?: number;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
}

export interface Resolved {
  /** Path relative to the install target (as in a board's /lib) -> contents. */
  files: Record<string, Uint8Array>;
  /** The packages asked for that are provided, with all their dependencies. */
  provided: string[];
  /** The packages asked for that are not, because of `problems`. */
  missing: string[];
  problems: PackageProblem[];
  /** Network requests made; 0 when the cache had everything. */
  requests: number;
  /** Set when the cache could not be written (the packages are still provided this time). */
  cacheError: string | null;
}

type Loaded = { ok: true; deps: [name: string, version: string][]; files: Record<string, Uint8Array> } | { ok: false; problem: PackageProblem };

const MAX_BYTES = 1024 * 1024;

export async function resolvePackages(names: readonly string[], options: ResolveOptions): Promise<Resolved> {
  const client = new IndexClient({ index: options.index, timeoutMs: options.timeoutMs ?? 10_000, concurrency: options.concurrency ?? 4, maxBytes: MAX_BYTES });
  const { cache } = options;
  let cacheError: string | null = null;
  const remember = async (put: () => Promise<void>): Promise<void> => {
    try {
      await put();
    } catch (e) {
      cacheError ??= `cannot write the package cache ${cache.dir}: ${(e as Error).message}`;
    }
  };

  const load = async (name: string, version: string): Promise<Loaded> => {
    try {
      let json = await cache.packageJson(name, version);
      let fresh: string | null = null;
      if (!json) {
        const rel = packageJsonPath(name, version);
        fresh = new TextDecoder().decode(await client.get(rel));
        json = parsePackageJson(fresh);
        if (!json) throw new IndexError('invalid', `${client.urlOf(rel)} is not a package description`);
      }
      const files = await loadFiles(json);
      if (fresh !== null) await remember(() => cache.putPackageJson(name, version, fresh));
      // mip: a dep without a version is its latest.
      return { ok: true, deps: json.deps.map(([dep, v]) => [dep, v || 'latest']), files };
    } catch (e) {
      if (!(e instanceof IndexError)) throw e;
      return { ok: false, problem: { package: name, kind: e.kind, detail: e.detail } };
    }
  };

  const loadFiles = async (json: PackageJson): Promise<Record<string, Uint8Array>> => {
    if (json.urls.length) throw new IndexError('unsupported', `needs files by URL (${json.urls.map(([p]) => p).join(', ')}), which carry no hash`);
    const files: Record<string, Uint8Array> = {};
    await Promise.all(
      json.hashes.map(async ([target, hash]) => {
        files[target] = await fileByHash(target, hash);
      }),
    );
    return files;
  };

  // Once per hash: identical files (empty __init__.py) are common, and two writes of one cache
  // entry at once would race.
  const byHash = new Map<string, Promise<Uint8Array>>();
  const fileByHash = (target: string, hash: string): Promise<Uint8Array> => {
    let p = byHash.get(hash);
    if (!p) {
      p = (async () => {
        const cached = await cache.file(hash);
        if (cached) return cached;
        const fetched = await client.get(filePath(hash));
        if (!hashMatches(fetched, hash)) {
          throw new IndexError('hash', `${target}: ${client.urlOf(filePath(hash))} has sha256 ${sha256Hex(fetched).slice(0, 16)}..., not ${hash}...; refused`);
        }
        await remember(() => cache.putFile(hash, fetched));
        return fetched;
      })();
      byHash.set(hash, p);
    }
    return p;
  };

  // Every package once, by name (as mip: a dep already installed is not installed again).
  const loaded = new Map<string, Promise<Loaded>>();
  const visit = async (name: string, version: string): Promise<void> => {
    if (loaded.has(name)) return;
    const p = load(name, version);
    loaded.set(name, p);
    const r = await p;
    if (r.ok) await Promise.all(r.deps.map(([dep, v]) => visit(dep, v)));
  };
  await Promise.all(names.map((n) => visit(n, 'latest')));

  const results = new Map<string, Loaded>();
  for (const [name, p] of loaded) results.set(name, await p);
  const out: Resolved = { files: {}, provided: [], missing: [], problems: [], requests: client.requests, cacheError };
  const problems = new Map<string, PackageProblem>();
  for (const name of names) {
    const closure = closureOf(name, results).map((n) => results.get(n)!);
    const failed = closure.flatMap((r) => (r.ok ? [] : [r.problem]));
    if (failed.length) {
      out.missing.push(name);
      for (const f of failed) if (!problems.has(f.package)) problems.set(f.package, f);
      continue;
    }
    out.provided.push(name);
    // Installed in order, so a later package's file replaces an earlier one's, as with mip.
    for (const r of closure) if (r.ok) Object.assign(out.files, r.files);
  }
  out.problems = [...problems.values()];
  return out;
}

/** `name` and everything it depends on, each once, in the order mip would install them. */
function closureOf(name: string, results: Map<string, Loaded>): string[] {
  const order: string[] = [];
  const seen = new Set<string>();
  const walk = (n: string): void => {
    if (seen.has(n)) return;
    seen.add(n);
    order.push(n);
    const r = results.get(n);
    if (r?.ok) for (const [d] of r.deps) walk(d);
  };
  walk(name);
  return order;
}
