// The frozen packages of a virtual Pico W: fetched from a mip index on first use (deps followed,
// every file checked against its hash), kept in a cache that needs no network afterwards and
// whose damaged entries are fetched again, never used; offline, one notice that says how to
// provide them; --lib folders instead of the index.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src-main/hub/store/atomic-write.ts';
import { loadFrozenPackages, type FrozenPackagesOptions } from '../../src-main/pico/packages/frozen-packages.ts';
import { PICO_W_FROZEN_PACKAGES } from '../../src-main/pico/packages/frozen-set.ts';
import { readLibFolders } from '../../src-main/pico/packages/lib-folder.ts';
import { packageCacheDir } from '../../src-main/pico/packages/package-cache.ts';
import { FakeMipIndex, refusedUrl, shortHash, type FakePackage } from './fake-mip-index.ts';

const text = (files: Record<string, Uint8Array>): Record<string, string> =>
  Object.fromEntries(Object.entries(files).map(([k, v]) => [k, new TextDecoder().decode(v)]).sort(([a], [b]) => a!.localeCompare(b!)));

const ALPHA = 'from beta import greet\n\ndef hi():\n    return greet("alpha")\n';
const BETA = 'import gamma\n\ndef greet(who):\n    return gamma.PREFIX + who\n';
const GAMMA = 'PREFIX = "hello from "\n';
const TREE: Record<string, FakePackage> = {
  'fake-alpha': { files: { 'alpha/__init__.py': ALPHA }, deps: [['fake-beta', 'latest']] },
  // A dep without a version, and a cycle back to fake-beta: each package is fetched once.
  'fake-beta': { files: { 'beta.py': BETA }, deps: [['fake-gamma', null]] },
  'fake-gamma': { files: { 'gamma.py': GAMMA }, deps: [['fake-beta', null]] },
  'fake-tampered': { files: { 'tampered.py': 'X = 1\n', 'fine.py': 'Y = 2\n' }, wrong: ['tampered.py'] },
  'fake-needs-absent': { files: { 'needy.py': 'import absent\n' }, deps: [['fake-absent', null]] },
};

let home: string;
let cacheDir: string;
let index: FakeMipIndex;
beforeEach(async () => {
  home = mkdtempSync(path.join(tmpdir(), 'picolink-packages-'));
  cacheDir = packageCacheDir(home);
  index = await FakeMipIndex.start(TREE);
});
afterEach(async () => {
  await index.close();
  rmSync(home, { recursive: true, force: true });
});

const load = (packages: string[], more: Partial<FrozenPackagesOptions> = {}): ReturnType<typeof loadFrozenPackages> =>
  loadFrozenPackages({ cacheDir, writeFile: writeFileAtomic, index: index.url, packages, libFlag: true, ...more });

describe('frozen packages from a mip index', () => {
  it('fetches a package and its dependencies on first use, checks and caches every file', async () => {
    const r = await load(['fake-alpha']);
    expect(text(r.files)).toEqual({ 'alpha/__init__.py': ALPHA, 'beta.py': BETA, 'gamma.py': GAMMA });
    expect(r.notice).toBeNull();
    expect(r.resolved.provided).toEqual(['fake-alpha']);
    expect(index.requests.filter((p) => p.startsWith('package/')).sort()).toEqual([
      'package/py/fake-alpha/latest.json',
      'package/py/fake-beta/latest.json',
      'package/py/fake-gamma/latest.json',
    ]);
    expect(index.requests).toHaveLength(6);
    // The cache is laid out as the index is, under <app data>/micropython-lib/1.27.
    expect(cacheDir).toBe(path.join(home, 'micropython-lib', '1.27'));
    const h = shortHash(BETA);
    expect(readFileSync(path.join(cacheDir, 'file', h.slice(0, 2), h), 'utf8')).toBe(BETA);
    expect(JSON.parse(readFileSync(path.join(cacheDir, 'package', 'py', 'fake-beta', 'latest.json'), 'utf8')).deps).toEqual([['fake-gamma', null]]);
  });

  it('needs no network the second time', async () => {
    await load(['fake-alpha']);
    const before = index.requests.length;
    await index.close();
    const r = await load(['fake-alpha'], { index: await refusedUrl() });
    expect(text(r.files)).toEqual({ 'alpha/__init__.py': ALPHA, 'beta.py': BETA, 'gamma.py': GAMMA });
    expect(r.resolved.requests).toBe(0);
    expect(r.notice).toBeNull();
    expect(index.requests).toHaveLength(before);
    index = await FakeMipIndex.start({}); // for afterEach
  });

  it('refuses a file that does not match its hash, caches nothing of it, and says so', async () => {
    const r = await load(['fake-alpha', 'fake-tampered']);
    expect(r.resolved.provided).toEqual(['fake-alpha']);
    expect(r.resolved.missing).toEqual(['fake-tampered']);
    // A package is provided whole or not at all: its good file is left out too.
    expect(Object.keys(r.files).sort()).toEqual(['alpha/__init__.py', 'beta.py', 'gamma.py']);
    const h = shortHash('X = 1\n');
    expect(r.resolved.problems).toEqual([
      {
        package: 'fake-tampered',
        kind: 'hash',
        detail: expect.stringMatching(new RegExp(`^tampered\\.py: ${index.url}/file/${h.slice(0, 2)}/${h} has sha256 [0-9a-f]{16}\\.\\.\\., not ${h}\\.\\.\\.; refused$`)),
      },
    ]);
    expect(existsSync(path.join(cacheDir, 'file', h.slice(0, 2), h))).toBe(false);
    expect(existsSync(path.join(cacheDir, 'package', 'py', 'fake-tampered'))).toBe(false);
    expect(r.notice).toContain(`  fake-tampered: tampered.py: ${index.url}/file/${h.slice(0, 2)}/${h} has sha256 `);
  });

  it("leaves out a package whose dependency cannot be had", async () => {
    const r = await load(['fake-needs-absent']);
    expect(r.files).toEqual({});
    expect(r.resolved.missing).toEqual(['fake-needs-absent']);
    expect(r.resolved.problems).toEqual([{ package: 'fake-absent', kind: 'http', detail: `HTTP 404 for ${index.url}/package/py/fake-absent/latest.json` }]);
  });

  it('finds a damaged cache entry by its hash, fetches it again, and never uses it', async () => {
    await load(['fake-alpha']);
    const h = shortHash(BETA);
    const cached = path.join(cacheDir, 'file', h.slice(0, 2), h);
    writeFileSync(cached, 'def greet(who):\n    return "corrupted"\n');
    const before = index.requests.length;
    const again = await load(['fake-alpha']);
    expect(text(again.files)['beta.py']).toBe(BETA);
    expect(index.requests.slice(before)).toEqual([`file/${h.slice(0, 2)}/${h}`]);
    expect(readFileSync(cached, 'utf8')).toBe(BETA);
    // Damaged again, and now no index: the package is missing rather than wrong.
    writeFileSync(cached, 'garbage');
    const offline = await load(['fake-alpha'], { index: await refusedUrl() });
    expect(offline.files).toEqual({});
    expect(offline.resolved.missing).toEqual(['fake-alpha']);
    expect(offline.resolved.problems.map((p) => [p.package, p.kind])).toEqual([['fake-beta', 'unreachable']]);
  });

  it('offline: no packages, and one notice saying exactly how to provide them', async () => {
    const url = await refusedUrl();
    const r = await loadFrozenPackages({ cacheDir, writeFile: writeFileAtomic, index: url, libFlag: true });
    expect(r.files).toEqual({});
    expect(r.resolved.missing).toEqual([...PICO_W_FROZEN_PACKAGES]);
    // The first refusal stops the rest: no more than the requests already in flight (4).
    expect(r.resolved.requests).toBeLessThanOrEqual(4);
    expect(r.notice).toBe(
      [
        'The boards start without packages a Pico W has built in: aioble, bundle-networking, onewire, ds18x20, dht, neopixel (importing them raises ImportError).',
        `  aioble, bundle-networking, onewire, ds18x20, dht, neopixel: cannot reach ${new URL(url).origin} (ECONNREFUSED)`,
        'To provide them:',
        `  - run once with access to ${url}; they are then kept in ${cacheDir} (a copy of that folder from another computer works as well)`,
        "  - or pass --lib DIR, a folder laid out like a board's /lib, e.g. filled by MicroPython's Unix port: micropython -m mip install --target DIR --no-mpy aioble bundle-networking onewire ds18x20 dht neopixel",
      ].join('\n'),
    );
    // Without --lib (the app), the notice does not offer it.
    const app = await loadFrozenPackages({ cacheDir, writeFile: writeFileAtomic, index: url });
    expect(app.notice).not.toContain('--lib');
  });

  it('gives up on an index that does not answer, after the per-request timeout', async () => {
    index.hang = 'fake-alpha';
    const t0 = performance.now();
    const r = await load(['fake-alpha'], { timeoutMs: 300 });
    expect(performance.now() - t0).toBeLessThan(3_000);
    expect(r.resolved.problems).toEqual([{ package: 'fake-alpha', kind: 'timeout', detail: `no answer from ${new URL(index.url).origin} within 0.3 s` }]);
  });

  it('fetches and caches a file shared by several paths once', async () => {
    index.add('fake-twins', { files: { 'twins/__init__.py': '', 'twins/sub/__init__.py': '', 'twins/x.py': 'X = 1\n' } });
    const r = await load(['fake-twins']);
    expect(text(r.files)).toEqual({ 'twins/__init__.py': '', 'twins/sub/__init__.py': '', 'twins/x.py': 'X = 1\n' });
    expect(r.notice).toBeNull();
    expect(index.requests.filter((p) => p.endsWith(shortHash('')))).toHaveLength(1);
  });

  it('keeps at most 4 requests in flight', async () => {
    const files = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`many/m${i}.py`, `N = ${i}\n`]));
    index.add('fake-many', { files });
    index.delayMs = 30;
    const r = await load(['fake-many']);
    expect(Object.keys(r.files)).toHaveLength(12);
    expect(index.maxInFlight).toBe(4);
  });
});

describe('--lib folders', () => {
  it("reads modules laid out as in a board's /lib; the first folder holding a path wins", () => {
    const a = path.join(home, 'a');
    const b = path.join(home, 'b');
    const put = (file: string, body: string): void => {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, body);
    };
    put(path.join(a, 'alpha', '__init__.py'), 'A = "a"\n');
    put(path.join(a, 'manifest.py'), 'metadata(version="1")\n');
    put(path.join(a, 'README.md'), 'docs\n');
    put(path.join(a, '.git', 'x.py'), 'hidden\n');
    put(path.join(b, 'alpha', '__init__.py'), 'A = "b"\n');
    put(path.join(b, 'umqtt', 'simple.py'), 'S = 1\n');
    put(path.join(b, 'compiled.mpy'), 'M\x06');
    expect(text(readLibFolders([a, b]))).toEqual({ 'alpha/__init__.py': 'A = "a"\n', 'compiled.mpy': 'M\x06', 'umqtt/simple.py': 'S = 1\n' });
  });
});
