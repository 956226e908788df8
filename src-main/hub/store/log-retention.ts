// Keeping the log to a size and an age: rows older than the age go, then the oldest rows until
// the data fits the size, then the sessions left without rows, and the file is shrunk so the
// disk gets the space back (deleted rows only free pages inside the file).
// Deletes go in chunks of their own transactions with a pause between them, so a hub writing
// to the same connection keeps committing and its event loop never waits long, and so that
// deleting a year of rows does not need a WAL as large as that year.
import type Database from 'better-sqlite3';

export interface RetentionPolicy {
  /** Rows older than this many days are deleted. */
  maxAgeDays: number;
  /** The data (pages in use, not counting the WAL) is kept under this many bytes, oldest rows first. */
  maxBytes: number;
}

const GB = 1e9;

/** The policy for "keep `days` days and at most `gb` GB" (decimal GB, as disks are sold). */
export function retentionPolicy(days: number, gb: number): RetentionPolicy {
  return { maxAgeDays: days, maxBytes: Math.round(gb * GB) };
}

export interface PruneResult {
  /** Rows deleted across the four tables. */
  rows: number;
  sessions: number;
  /** The database file's size before and after (after the shrink, not counting the WAL). */
  bytesBefore: number;
  bytesAfter: number;
  /** Rows before this time are gone; null when nothing was deleted. */
  cutoff: number | null;
  /** Whether the size, and not only the age, set the cutoff. */
  bySize: boolean;
}

export interface PruneContext {
  now: number;
  /** The running session: it is never deleted, though its oldest rows may be. */
  currentSession: number | null;
  /** Lets the writer run between chunks. */
  pause: () => Promise<void>;
  signal?: AbortSignal;
}

const TABLES = ['samples', 'messages', 'events', 'throughput'] as const;
const DAY_MS = 86_400_000;
const DELETE_CHUNK = 20_000;
const VACUUM_CHUNK_PAGES = 2_048;
// Each size step deletes the share of the time span that should free the excess, plus this
// margin; rows are not spread evenly in time, so it repeats, but never more than this often.
const SIZE_MARGIN = 0.02;
const MAX_SIZE_STEPS = 64;
// SQLite's auto_vacuum modes (https://sqlite.org/pragma.html#pragma_auto_vacuum).
const AUTO_VACUUM_INCREMENTAL = 2;

/** Before the log's first table exists, so a new file can give pages back without a full VACUUM. */
export function prepareForRetention(db: Database.Database): void {
  if ((db.pragma('page_count', { simple: true }) as number) === 0) db.pragma('auto_vacuum = INCREMENTAL');
}

export async function pruneLog(db: Database.Database, policy: RetentionPolicy, ctx: PruneContext): Promise<PruneResult> {
  const bytesBefore = fileBytes(db);
  let rows = 0;
  let cutoff: number | null = null;
  let bySize = false;

  const ageCutoff = ctx.now - policy.maxAgeDays * DAY_MS;
  const aged = await deleteBefore(db, ageCutoff, ctx);
  rows += aged;
  if (aged > 0) cutoff = ageCutoff;

  for (let step = 0; step < MAX_SIZE_STEPS && usedBytes(db) > policy.maxBytes; step++) {
    const span = timeSpan(db);
    if (span === null) break;
    const used = usedBytes(db);
    const share = Math.min(1, (used - policy.maxBytes) / used + SIZE_MARGIN);
    // Times are ms: a cutoff at least 1 ms past the oldest row always deletes something.
    const sizeCutoff = Math.max(span.min + (span.max - span.min) * share, span.min + 1);
    rows += await deleteBefore(db, sizeCutoff, ctx);
    cutoff = Math.max(cutoff ?? -Infinity, sizeCutoff);
    bySize = true;
  }

  let sessions = 0;
  if (cutoff !== null) {
    // A session that ended before the cutoff has no rows left. One that never recorded its end
    // (its process died) ended, at the latest, when the next one started; the last of those is
    // kept, since nothing says when it ended.
    sessions = db
      .prepare(
        `DELETE FROM sessions WHERE id IS NOT ? AND coalesce(ended_at,
           (SELECT min(later.started_at) FROM sessions later WHERE later.started_at > sessions.started_at), ?) < ?`,
      )
      .run(ctx.currentSession, Number.MAX_VALUE, cutoff).changes;
  }
  if (rows > 0 || sessions > 0) await shrink(db, ctx);
  return { rows, sessions, bytesBefore, bytesAfter: fileBytes(db), cutoff, bySize };
}

async function deleteBefore(db: Database.Database, cutoff: number, ctx: PruneContext): Promise<number> {
  let deleted = 0;
  for (const table of TABLES) {
    // The t index finds the oldest rows without a scan.
    const step = db.prepare(`DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} WHERE t < ? LIMIT ${DELETE_CHUNK})`);
    for (;;) {
      ctx.signal?.throwIfAborted();
      const n = step.run(cutoff).changes;
      deleted += n;
      if (n < DELETE_CHUNK) break;
      await ctx.pause();
    }
  }
  return deleted;
}

async function shrink(db: Database.Database, ctx: PruneContext): Promise<void> {
  ctx.signal?.throwIfAborted();
  if (db.pragma('auto_vacuum', { simple: true }) === AUTO_VACUUM_INCREMENTAL) {
    while ((db.pragma('freelist_count', { simple: true }) as number) > 0) {
      db.pragma(`incremental_vacuum(${VACUUM_CHUNK_PAGES})`);
      await ctx.pause();
      ctx.signal?.throwIfAborted();
    }
  } else {
    // A log created before retention existed: one VACUUM rewrites it compactly and switches it to
    // incremental vacuum, so later prunes only move pages. It blocks for the length of a copy of
    // the file, once in the file's life.
    db.pragma('auto_vacuum = INCREMENTAL');
    db.exec('VACUUM');
  }
  // In WAL mode the file is only cut down when the pages are checkpointed; TRUNCATE also empties
  // the WAL, which a long delete made as large as what it deleted.
  db.pragma('wal_checkpoint(TRUNCATE)');
}

function usedBytes(db: Database.Database): number {
  const pages = (db.pragma('page_count', { simple: true }) as number) - (db.pragma('freelist_count', { simple: true }) as number);
  return pages * (db.pragma('page_size', { simple: true }) as number);
}

function fileBytes(db: Database.Database): number {
  return (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
}

function timeSpan(db: Database.Database): { min: number; max: number } | null {
  let min = Infinity;
  let max = -Infinity;
  for (const table of TABLES) {
    // One aggregate per query: SQLite answers a lone min() or max() from the index, both together by a scan.
    const lo = db.prepare(`SELECT min(t) FROM ${table}`).pluck().get() as number | null;
    const hi = db.prepare(`SELECT max(t) FROM ${table}`).pluck().get() as number | null;
    if (lo !== null && lo < min) min = lo;
    if (hi !== null && hi > max) max = hi;
  }
  return min === Infinity ? null : { min, max };
}
