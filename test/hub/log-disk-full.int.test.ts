// The log on a full disk: SQLite really returns SQLITE_FULL here, from a connection capped with
// max_page_count (any machine), or from a small tmpfs (when the test runs as root and may mount).
// Writes never throw, rows wait in memory (bounded, oldest dropped and counted), the owner is
// told once, and the rows are committed when space comes back.
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SettingsStore } from '../../src-main/app/settings-store.ts';
import { LogStore, type StoreOptions } from '../../src-main/hub/store/database.ts';
import { exportLog } from '../../src-main/hub/store/export.ts';
import type { LogNotice } from '../../src-main/hub/store/log-health.ts';
import { PairedDevices } from '../../src-main/hub/store/paired-devices.ts';
import { canMountTmpfs, fillUp, mountTmpfs, unmount } from './tmpfs.ts';

const A = 'aa:bb:cc:dd:ee:01';
const UNCAPPED = 1_073_741_823; // SQLite's default max_page_count

let dir: string;
let file: string;
const stores: LogStore[] = [];

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'picolink-full-'));
  file = path.join(dir, 'log.sqlite');
});

afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A store whose "disk" fills when fill() is called: no page may be added beyond those it has. */
function cappedStore(options: StoreOptions = {}): { store: LogStore; notices: LogNotice[]; fill(): void; free(): void } {
  let db: Database.Database | null = null;
  const notices: LogNotice[] = [];
  const store = LogStore.open(file, { ...options, configure: (c) => (db = c), onNotice: (n) => notices.push(n) });
  stores.push(store);
  return {
    store,
    notices,
    fill: () => db!.pragma(`max_page_count = ${db!.pragma('page_count', { simple: true }) as number}`),
    free: () => db!.pragma(`max_page_count = ${UNCAPPED}`),
  };
}

function committedSeqs(): number[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT seq FROM samples ORDER BY rowid').pluck().all() as number[];
  } finally {
    db.close();
  }
}

const sample = (seq: number): Parameters<LogStore['addSample']>[0] => ({ device: A, name: 'pico1', seq, t: 1_000 + seq, rttMs: 5, firmwareUs: 10, lost: false });

describe('LogStore on a full disk (max_page_count)', () => {
  it('throws nothing past the batch size, reports once, and commits every row when space returns', async () => {
    const { store, notices, fill, free } = cappedStore({ batchRows: 1_000, flushMs: 10, retryMs: 20 });
    store.startSession({});
    fill();
    // Several batches' worth: each full batch used to commit synchronously and throw LogWriteError.
    for (let seq = 0; seq < 5_500; seq++) expect(() => store.addSample(sample(seq))).not.toThrow();
    await new Promise((r) => setTimeout(r, 200)); // several retries, all failing
    expect(store.health).toMatchObject({ writing: false, waiting: 5_500, dropped: 0 });
    expect(store.health.error?.reason).toBe('disk-full');
    expect(notices.map((n) => n.kind)).toEqual(['write-failed']);
    expect(committedSeqs().length).toBeLessThan(5_500);
    // An explicit flush (export, counts) fails quietly too.
    expect(store.flush()).toBe(false);

    free();
    await expect.poll(() => store.health, { message: 'the retry commits the waiting rows', timeout: 5_000, interval: 20 }).toMatchObject({ writing: true });
    expect(committedSeqs()).toEqual(Array.from({ length: 5_500 }, (_, i) => i));
    expect(notices.map((n) => n.kind)).toEqual(['write-failed', 'write-resumed']);
    expect(notices[1]).toMatchObject({ written: 5_500, dropped: 0 });
    // And it keeps writing normally afterwards.
    store.addSample(sample(5_500));
    expect(store.flush()).toBe(true);
    expect(committedSeqs()).toHaveLength(5_501);
  });

  it('bounds what waits in memory: the oldest rows are dropped and counted, the newest kept', async () => {
    const { store, notices, fill, free } = cappedStore({ batchRows: 500, flushMs: 10, retryMs: 20, maxBufferedBytes: 160 * 2_000 });
    store.startSession({});
    fill();
    for (let seq = 0; seq < 10_000; seq++) store.addSample(sample(seq));
    const { waiting, dropped } = store.health;
    expect(waiting).toBeLessThanOrEqual(2_000);
    expect(waiting + dropped).toBe(10_000);
    free();
    await expect.poll(() => store.health, { message: 'rows committed', timeout: 5_000, interval: 20 }).toMatchObject({ writing: true });
    const kept = committedSeqs();
    expect(kept.length).toBe(10_000 - dropped);
    expect(kept.at(-1)).toBe(9_999);
    // What survived is the newest run, gap-free.
    expect(kept.every((s, i) => i === 0 || s === kept[i - 1]! + 1)).toBe(true);
    expect(notices.at(-1)).toMatchObject({ kind: 'write-resumed', dropped });
    expect(store.sessions()).toHaveLength(1);
  });

  it('starts and ends sessions while full, and writes them when space returns', async () => {
    const { store, notices, fill, free } = cappedStore({ batchRows: 100, flushMs: 10, retryMs: 20 });
    const first = store.startSession({ run: 1 }, 10);
    fill();
    for (let seq = 0; seq < 300; seq++) store.addSample(sample(seq));
    store.endSession(20);
    const second = store.startSession({ run: 2 }, 30);
    expect(second).toBe(first + 1);
    store.addSample(sample(300));
    expect(store.sessions().map((s) => s.id)).toEqual([first]);
    free();
    await expect.poll(() => store.health, { message: 'rows committed', timeout: 5_000, interval: 20 }).toMatchObject({ writing: true });
    expect(store.sessions().map((s) => [s.id, s.endedAt, s.meta])).toEqual([
      [first, 20, { run: 1 }],
      [second, null, { run: 2 }],
    ]);
    expect(store.counts({ session: second }).samples).toBe(1);
    expect(notices.map((n) => n.kind)).toEqual(['write-failed', 'write-resumed']);
  });

  it('closes without throwing when the rows cannot be written, and says how many are lost', async () => {
    const { store, notices, fill } = cappedStore({ batchRows: 100, flushMs: 10, retryMs: 20 });
    store.startSession({});
    fill();
    for (let seq = 0; seq < 250; seq++) store.addSample(sample(seq));
    expect(() => store.close()).not.toThrow();
    await Promise.resolve();
    expect(notices.map((n) => n.kind)).toEqual(['write-failed', 'rows-lost']);
    expect(notices[1]).toMatchObject({ kind: 'rows-lost', error: { buffered: expect.any(Number) } });
  });

  it('exports what is committed to another folder while the log cannot be written', async () => {
    const { store, fill } = cappedStore({ batchRows: 100, flushMs: 10, retryMs: 20 });
    store.startSession({});
    for (let seq = 0; seq < 50; seq++) store.addSample(sample(seq));
    store.flush();
    fill();
    for (let seq = 50; seq < 400; seq++) store.addSample(sample(seq));
    expect(store.flush()).toBe(false);
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'picolink-elsewhere-')), 'out.csv');
    try {
      const r = await exportLog(file, out, { format: 'csv' });
      expect(r.rows).toBe(committedSeqs().length);
      expect(r.rows).toBeGreaterThanOrEqual(50);
    } finally {
      rmSync(path.dirname(out), { recursive: true, force: true });
    }
  });
});

const canMount = canMountTmpfs();

describe.skipIf(!canMount)('on a real full tmpfs', () => {
  let disk: string;
  beforeEach(() => {
    disk = path.join(dir, 'disk');
    mkdirSync(disk);
    expect(mountTmpfs(disk)).toBe(true);
  });
  afterEach(() => {
    try {
      for (const s of stores.splice(0)) s.close();
    } finally {
      unmount(disk);
    }
  });

  it('keeps the hub’s rows through ENOSPC and commits them once a file is deleted; export elsewhere works meanwhile', async () => {
    const notices: LogNotice[] = [];
    const store = LogStore.open(path.join(disk, 'log.sqlite'), { batchRows: 1_000, flushMs: 10, retryMs: 20, onNotice: (n) => notices.push(n) });
    stores.push(store);
    store.startSession({});
    const filler = path.join(disk, 'filler');
    fillUp(filler);
    for (let seq = 0; seq < 8_000; seq++) expect(() => store.addSample(sample(seq))).not.toThrow();
    await new Promise((r) => setTimeout(r, 100));
    expect(store.health.writing).toBe(false);
    expect(store.health.error?.reason).toBe('disk-full');
    expect(notices.map((n) => n.kind)).toEqual(['write-failed']);

    const out = path.join(dir, 'elsewhere.csv');
    const exported = await exportLog(path.join(disk, 'log.sqlite'), out, { format: 'csv' });
    expect(readFileSync(out, 'utf8').trim().split('\r\n')).toHaveLength(exported.rows + 1);

    rmSync(filler);
    await expect.poll(() => store.health, { message: 'rows committed', timeout: 10_000, interval: 20 }).toMatchObject({ writing: true });
    expect(store.counts().samples).toBe(8_000);
    expect(notices.map((n) => n.kind)).toEqual(['write-failed', 'write-resumed']);
  });

  it('leaves settings and the paired list as they were, in memory and on disk, when a save hits ENOSPC', async () => {
    const { store: settings } = SettingsStore.load(disk);
    await settings.update({ pingHz: 20 });
    const paired = PairedDevices.load(path.join(disk, 'paired.json')).store;
    await paired.add({ address: A, name: 'pico1', profile: 'picolink' });
    const settingsText = readFileSync(path.join(disk, 'settings.json'), 'utf8');
    const pairedText = readFileSync(path.join(disk, 'paired.json'), 'utf8');
    fillUp(path.join(disk, 'filler'));

    await expect(settings.update({ pingHz: 50, theme: 'dark' })).rejects.toThrow(/disk is full/);
    expect(settings.get()).toMatchObject({ pingHz: 20, theme: 'system' });
    expect(readFileSync(path.join(disk, 'settings.json'), 'utf8')).toBe(settingsText);

    await expect(paired.add({ address: 'aa:bb:cc:dd:ee:02', name: 'pico2', profile: 'picolink' })).rejects.toThrow(/disk is full/);
    await expect(paired.remove(A)).rejects.toThrow(/disk is full/);
    expect(paired.list().map((d) => d.address)).toEqual([A]);
    expect(readFileSync(path.join(disk, 'paired.json'), 'utf8')).toBe(pairedText);
    expect(statSync(path.join(disk, 'paired.json')).size).toBe(pairedText.length);
  });
});
