// The app's back end when the log's disk fills, with two simulated Picos at 100 Hz (the case that
// crashed the hub 31 s after a 3 MB tmpfs filled): the hub keeps linking, the dashboard gets one
// "log disk full" notice, an export to another folder works meanwhile, and every sample is in
// the log once space returns. The "disk" is the log connection capped with max_page_count, so
// SQLite returns SQLITE_FULL for real.
import type Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startService, type ServiceHarness } from './service-harness.ts';
import { stateOnlyNoble } from './state-only-noble.ts';

// For the settings save: a file's data write fails with ENOSPC, as on a full file system.
const disk = vi.hoisted(() => ({ full: false }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const open: typeof real.open = async (...args) => {
    const fh = await real.open(...args);
    if (disk.full && args[1] === 'w') {
      fh.writeFile = async () => {
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      };
    }
    return fh;
  };
  return { ...real, open, default: { ...real, open } };
});

let h: ServiceHarness | null = null;
let elsewhere: string | null = null;
afterEach(async () => {
  disk.full = false;
  await h?.close();
  h = null;
  if (elsewhere) rmSync(elsewhere, { recursive: true, force: true });
  elsewhere = null;
});

describe('HubService on a full disk', () => {
  it('keeps linking, says so once, exports elsewhere, and logs every sample when space returns', async () => {
    elsewhere = mkdtempSync(path.join(tmpdir(), 'picolink-other-disk-'));
    const outFile = path.join(elsewhere, 'during.csv');
    let db: Database.Database | null = null;
    h = await startService({
      settings: { adapter: { kind: 'sim', picos: 2 }, pingHz: 100 },
      chooseFile: async () => outFile,
      log: { batchRows: 200, flushMs: 50, retryMs: 100, configure: (c) => (db = c) },
    });
    const { call, seen } = h;
    await expect.poll(() => seen('status').at(-1)?.devices.length, { timeout: 20_000, interval: 20 }).toBe(2);
    const addresses = seen('status').at(-1)!.devices.map((d) => d.address);
    for (const a of addresses) await call('device.pair', { target: a });
    const linked = (): boolean => addresses.every((a) => seen('status').at(-1)?.devices.find((d) => d.address === a)?.state === 'linked');
    await expect.poll(() => addresses.map((a) => seen('status').at(-1)?.devices.find((d) => d.address === a)?.state), { timeout: 30_000, interval: 20 }).toEqual(addresses.map(() => 'linked'));
    const samples = (): number => seen('samples').reduce((n, e) => n + e.batches.reduce((m, b) => m + b.samples.length, 0), 0);
    await expect.poll(samples, { timeout: 20_000, interval: 20 }).toBeGreaterThan(100);

    // The disk fills: not one more page.
    db!.pragma(`max_page_count = ${db!.pragma('page_count', { simple: true }) as number}`);
    const diskFull = (): string[] => seen('notice').map((n) => n.text).filter((t) => /^Log disk full/.test(t));
    await expect.poll(() => seen('notice').map((n) => n.text), { timeout: 10_000, interval: 20 }).toContainEqual(expect.stringMatching(/^Log disk full/));
    const atFull = samples();
    // Well past several batches (200 rows each) at 2 x 100 Hz.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(diskFull()).toHaveLength(1);
    expect(seen('notice').find((n) => /^Log disk full/.test(n.text))!.level).toBe('error');
    expect(samples() - atFull).toBeGreaterThan(300);
    expect(linked()).toBe(true);

    // Export to another disk while the log's is full: what is committed, and a word about the rest.
    const { chosen } = await call('export.chooseFile', { format: 'csv' });
    const during = await call('export.run', { token: chosen!.token });
    expect(during.rows).toBeGreaterThan(0);
    expect(readFileSync(outFile, 'utf8').trim().split('\r\n')).toHaveLength(during.rows + 1);
    expect(seen('notice').some((n) => /leaves out the \d+ newest rows/.test(n.text))).toBe(true);

    // Space returns: everything that waited is written, and the dashboard hears of it.
    db!.pragma('max_page_count = 1073741823');
    await expect.poll(() => seen('notice').map((n) => n.text), { timeout: 10_000, interval: 20 }).toContainEqual(expect.stringMatching(/is written again: \d+ waiting rows saved/));
    expect(diskFull()).toHaveLength(1);
    const after = await call('export.run', { token: (await call('export.chooseFile', { format: 'csv' })).chosen!.token });
    expect(after.rows).toBeGreaterThan(during.rows);
    // Every ping of the run is there: per device, the sequence numbers have no gap.
    const lines = readFileSync(outFile, 'utf8').trim().split('\r\n').slice(1).map((l) => l.split(','));
    for (const a of addresses) {
      const seqs = lines.filter((c) => c[0] === 'sample' && c[2] === a).map((c) => Number(c[6]));
      expect(seqs.length).toBeGreaterThan(300);
      const sorted = [...new Set(seqs)].sort((x, y) => x - y);
      expect(sorted.at(-1)! - sorted[0]! + 1).toBe(sorted.length);
    }
    expect(linked()).toBe(true);
  }, 90_000);

  it('keeps this run’s settings when saving a change fails, an override included', async () => {
    const fake = stateOnlyNoble();
    // 50 Hz for this run only (as `npm start -- --sim 4` overrides the adapter).
    h = await startService({ createNoble: () => fake.noble, settings: { pingHz: 50 } });
    await h.call('settings.set', { theme: 'dark' });
    disk.full = true;
    await expect(h.call('settings.set', { pingHz: 5, theme: 'light' })).rejects.toThrow(/disk is full/);
    // Memory still says what the file and this run say: the override stands, the theme is the saved one.
    expect(await h.call('settings.get', {})).toMatchObject({ pingHz: 50, theme: 'dark' });
    expect(JSON.parse(readFileSync(path.join(h.home, 'settings.json'), 'utf8'))).toMatchObject({ pingHz: 10, theme: 'dark' });
    disk.full = false;
    expect(await h.call('settings.set', { pingHz: 5 })).toMatchObject({ pingHz: 5, theme: 'dark' });
  });
});
