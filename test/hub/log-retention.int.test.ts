// Log retention: rows past the age or over the size go, sessions left empty go, the file on disk
// shrinks (incremental vacuum, or one VACUUM for a log made before retention), the running
// session stays, and the policy runs again by itself.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogStore, type StoreOptions } from '../../src-main/hub/store/database.ts';
import type { LogNotice } from '../../src-main/hub/store/log-health.ts';
import { migrate } from '../../src-main/hub/store/log-schema.ts';

const A = 'aa:bb:cc:dd:ee:01';
const DAY = 86_400_000;
const NO_SIZE_LIMIT = 1e15;

let dir: string;
let file: string;
const stores: LogStore[] = [];

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'picolink-retention-'));
  file = path.join(dir, 'log.sqlite');
});

afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  rmSync(dir, { recursive: true, force: true });
});

function open(options: StoreOptions = {}): { store: LogStore; notices: LogNotice[] } {
  const notices: LogNotice[] = [];
  const store = LogStore.open(file, { ...options, onNotice: (n) => notices.push(n) });
  stores.push(store);
  return { store, notices };
}

/** One closed session of `rows` samples and a message per 100, spread over the hour starting at `t0`. */
function session(store: LogStore, t0: number, rows: number): number {
  const id = store.startSession({ t0 }, t0);
  for (let i = 0; i < rows; i++) {
    const t = t0 + (i * 3_600_000) / rows;
    store.addSample({ device: A, name: 'pico1', seq: i, t, rttMs: 8, firmwareUs: 100, lost: false });
    if (i % 100 === 0) store.addMessage({ device: A, t, direction: 'in', kind: 'text', body: 'x'.repeat(200) });
  }
  store.endSession(t0 + 3_600_000);
  return id;
}

/** The database file's size once the WAL is checkpointed into it. */
function fileSize(): number {
  const db = new Database(file);
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  return statSync(file).size;
}

describe('log retention', () => {
  it('deletes rows and sessions older than the age, keeps the rest, and the file shrinks', async () => {
    const now = Date.now();
    const { store, notices } = open();
    const old1 = session(store, now - 400 * DAY, 30_000);
    const old2 = session(store, now - 200 * DAY, 30_000);
    const recent = session(store, now - 2 * DAY, 5_000);
    const before = fileSize();

    const result = await store.setRetention({ maxAgeDays: 100, maxBytes: NO_SIZE_LIMIT });
    expect(result).toMatchObject({ rows: 60_000 + 600, sessions: 2, bySize: false });
    expect(store.sessions().map((s) => s.id)).toEqual([recent]);
    expect(store.counts()).toMatchObject({ samples: 5_000, messages: 50 });
    expect([old1, old2]).not.toContain(recent);
    const after = fileSize();
    expect(after).toBeLessThan(before / 3);
    expect(result!.bytesAfter).toBeLessThan(result!.bytesBefore / 3);
    await Promise.resolve();
    expect(notices.map((n) => n.kind)).toEqual(['pruned']);

    // Nothing more to do: no notice, nothing deleted.
    expect(await store.prune()).toMatchObject({ rows: 0, sessions: 0 });
    await Promise.resolve();
    expect(notices).toHaveLength(1);
  });

  it('keeps the data under the size by deleting the oldest rows first', async () => {
    const now = Date.now();
    const { store } = open();
    for (let d = 10; d >= 1; d--) session(store, now - d * DAY, 10_000);
    const before = fileSize();
    const limit = Math.floor(before / 2);

    const result = await store.setRetention({ maxAgeDays: 365, maxBytes: limit });
    expect(result!.bySize).toBe(true);
    expect(fileSize()).toBeLessThanOrEqual(limit * 1.1);
    const db = new Database(file, { readonly: true });
    try {
      // The newest day is all there; what went was the oldest.
      const kept = db.prepare('SELECT min(t) AS lo, max(t) AS hi, count(*) AS n FROM samples').get() as { lo: number; hi: number; n: number };
      expect(kept.hi).toBeGreaterThan(now - DAY);
      expect(kept.lo).toBeGreaterThan(now - 10 * DAY + 3_600_000);
      expect(kept.n).toBeGreaterThanOrEqual(10_000);
      expect(kept.n).toBeLessThan(100_000);
    } finally {
      db.close();
    }
  });

  it('never deletes the running session, and keeps a crashed session only while it is the last', async () => {
    const now = Date.now();
    // A run that died without ending its session: its process never closed the store.
    const { store: crashed } = open();
    const crashedId = crashed.startSession({}, now - 50 * DAY);
    crashed.addSample({ device: A, seq: 1, t: now - 50 * DAY, rttMs: 1, lost: false });
    crashed.flush();

    const { store } = open();
    // Nothing says when the crashed session ended: it may still have recent rows, so it stays.
    await store.setRetention({ maxAgeDays: 30, maxBytes: NO_SIZE_LIMIT });
    expect(store.sessions().map((s) => s.id)).toEqual([crashedId]);

    // Once a later session started, the crashed one ended before it.
    const running = store.startSession({}, now - 40 * DAY);
    store.addSample({ device: A, seq: 1, t: now - 40 * DAY, rttMs: 1, lost: false });
    store.addSample({ device: A, seq: 2, t: now, rttMs: 1, lost: false });
    // Rows still waiting in memory are committed first, so they are judged like the rest.
    await store.prune();
    expect(store.sessions().map((s) => s.id)).toEqual([running]);
    expect(store.counts({ session: running }).samples).toBe(1);
    expect(store.counts().samples).toBe(1);
  });

  it('converts a log made before retention with one VACUUM, after which it vacuums incrementally', async () => {
    // A log as older versions created it: auto_vacuum off.
    const legacy = new Database(file);
    legacy.pragma('journal_mode = WAL');
    migrate(legacy, file);
    expect(legacy.pragma('auto_vacuum', { simple: true })).toBe(0);
    legacy.close();

    const now = Date.now();
    const { store } = open();
    session(store, now - 100 * DAY, 30_000);
    session(store, now - DAY, 3_000);
    const before = fileSize();
    await store.setRetention({ maxAgeDays: 30, maxBytes: NO_SIZE_LIMIT });
    expect(fileSize()).toBeLessThan(before / 3);
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('auto_vacuum', { simple: true })).toBe(2);
    } finally {
      db.close();
    }
  });

  it('runs again on its own, so rows that age past the limit later go too', async () => {
    const { store } = open({ retentionIntervalMs: 50 });
    const now = Date.now();
    store.startSession({}, now);
    // Half a second short of the age limit: kept at the first run, deleted by a later one.
    store.addSample({ device: A, seq: 1, t: now - DAY + 500, rttMs: 1, lost: false });
    store.addSample({ device: A, seq: 2, t: now, rttMs: 1, lost: false });
    store.flush();
    expect(await store.setRetention({ maxAgeDays: 1, maxBytes: NO_SIZE_LIMIT })).toMatchObject({ rows: 0 });
    await expect.poll(() => store.counts().samples, { message: 'the old row is deleted by a later run', timeout: 5_000, interval: 20 }).toBe(1);
    await store.setRetention(null);
  });
});
