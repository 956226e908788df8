// The hub's log: every latency sample, message, link event and throughput result, in one
// SQLite file. Writers only append to memory; a timer (and a full buffer) commits what has
// gathered in one transaction. One commit per row would cap the hub at a few thousand rows a
// second; one per flushMs sustains hundreds of thousands, and with WAL + synchronous=NORMAL a
// committed transaction survives a crash of the process, so a kill -9 loses at most the rows
// of the last flushMs (a power cut may lose a little more: NORMAL skips the fsync per commit).
// A write never throws for the disk: when commits fail (a full disk) rows wait in memory,
// bounded, the owner hears of it once through onNotice, and a retry timer commits them when
// space is back. Throwing would reach the hub from a timer or a link's event and stop it.
import Database from 'better-sqlite3';
import { countAll, type LogFilter, type RecordCounts } from './log-query.ts';
import { LogWriteError, type LogNotice } from './log-health.ts';
import { prepareForRetention, pruneLog, type PruneResult, type RetentionPolicy } from './log-retention.ts';
import { migrate } from './log-schema.ts';
import { PendingRows } from './pending-rows.ts';
import { createPrivate, narrowToPrivate } from './private-file.ts';
import { sqliteOptions } from './sqlite-binding.ts';
import { normaliseAddress } from '../discovery/address.ts';

export { LogWriteError } from './log-health.ts';

/** The log's file name in the app data folder. */
export const LOG_FILE = 'log.sqlite';
const COMPANIONS = ['-wal', '-shm'] as const;

export interface StoreOptions {
  /** The longest a written row waits in memory before it is committed. */
  flushMs?: number;
  /** A buffer this long is committed at once instead of waiting for the timer. */
  batchRows?: number;
  /** While commits fail, how often they are tried again. */
  retryMs?: number;
  /** While commits fail, the memory rows may take before the oldest are dropped (estimated bytes). */
  maxBufferedBytes?: number;
  /** How often setRetention()'s policy runs again after its first run. */
  retentionIntervalMs?: number;
  /** Failing and recovering commits, rows lost at close, retention runs. Called outside the write that caused it. */
  onNotice?: (notice: LogNotice) => void;
  /** Called with the connection once the schema is ready: tests cap it with max_page_count to fill the "disk" for real. */
  configure?: (db: Database.Database) => void;
}

export interface LogHealth {
  /** False while commits fail. */
  writing: boolean;
  /** Rows waiting in memory. */
  waiting: number;
  /** Rows dropped since commits started failing. */
  dropped: number;
  error: LogWriteError | null;
}

export interface SampleRecord {
  device: string;
  name?: string | null;
  seq: number;
  /** Epoch ms when the PING was sent. */
  t: number;
  /** null when the PING was lost. */
  rttMs: number | null;
  firmwareUs?: number | null;
  lost: boolean;
}

export interface MessageRecord {
  device: string;
  name?: string | null;
  t: number;
  direction: 'in' | 'out';
  kind: 'text' | 'data';
  /** A string is stored as its UTF-8 bytes. */
  body: Uint8Array | string;
}

export interface EventRecord {
  device: string;
  name?: string | null;
  t: number;
  state: string;
  reason?: string | null;
}

export interface ThroughputRecord {
  device: string;
  name?: string | null;
  t: number;
  octets: number;
  ms: number;
  bytesPerSecond?: number | null;
}

export interface SessionInfo {
  id: number;
  startedAt: number;
  /** null while the session runs, or when the process that ran it died before closing. */
  endedAt: number | null;
  meta: Record<string, unknown>;
}


const DEFAULT_FLUSH_MS = 250;
const DEFAULT_BATCH_ROWS = 5_000;
const DEFAULT_RETRY_MS = 1_000;
// While commits fail, rows keep waiting in memory up to about this much; past it the oldest
// are dropped (and counted), so a full disk costs old rows, never the hub's memory.
const DEFAULT_MAX_BUFFERED_BYTES = 64_000_000;
const DEFAULT_RETENTION_INTERVAL_MS = 60 * 60 * 1000;
// A backlog written once space is back goes in slices of this many rows per event-loop turn
// (about 70 ms at 300,000 rows/s), so pings keep being answered while it drains.
const DRAIN_ROWS_PER_TICK = 20_000;
// A buffered row's memory, roughly: its parameter array and strings; a body or text adds its length.
const ROW_BYTES = 160;
const BUSY_TIMEOUT_MS = 5_000;

/** The file exists but SQLite cannot read it as a database. It is left untouched. */
export class LogFileUnreadableError extends Error {
  constructor(
    readonly file: string,
    readonly code: string,
    cause: unknown,
  ) {
    const what = code === 'SQLITE_NOTADB' ? 'is not a SQLite database' : 'is a damaged SQLite database';
    super(`The log file ${file} ${what} (${(cause as Error).message}); PicoLink left it untouched. Move it away or choose another file for the log.`, { cause });
    this.name = 'LogFileUnreadableError';
  }
}

export class LogStoreClosedError extends Error {
  constructor(readonly file: string) {
    super(`The log ${file} is closed; open it again to write or read.`);
    this.name = 'LogStoreClosedError';
  }
}

export class NoSessionError extends Error {
  constructor(readonly file: string) {
    super(`No session is running in the log ${file}; call startSession() before writing rows.`);
    this.name = 'NoSessionError';
  }
}

// Rows wait in memory as the statements' parameters, so a flush does no work but binding.
type SampleParams = [session: number, device: string, name: string | null, seq: number, t: number, rtt: number | null, fw: number | null, lost: 0 | 1];
type MessageParams = [session: number, device: string, name: string | null, t: number, direction: 'in' | 'out', kind: 'text' | 'data', body: Buffer];
type EventParams = [session: number, device: string, name: string | null, t: number, state: string, reason: string | null];
type ThroughputParams = [session: number, device: string, name: string | null, t: number, octets: number, ms: number, bps: number | null];
type SessionStartParams = [id: number, startedAt: number, meta: string];
type SessionEndParams = [endedAt: number, id: number];
type Params = SampleParams | MessageParams | EventParams | ThroughputParams | SessionStartParams | SessionEndParams;

// Which statement a waiting row goes to: the index into LogStore's statements.
const SAMPLE = 0;
const MESSAGE = 1;
const EVENT = 2;
const THROUGHPUT = 3;
const SESSION_START = 4;
const SESSION_END = 5;

/** Addresses are stored lower-case, as LogFilter looks them up. */
function deviceKey(device: string): string {
  return normaliseAddress(device) ?? device;
}

function sqliteCode(error: unknown): string | undefined {
  return error instanceof Database.SqliteError ? error.code : undefined;
}

function isDiskFull(error: unknown): boolean {
  // SQLite turns ENOSPC into SQLITE_FULL, as it does for a file at max_page_count.
  const code = sqliteCode(error) ?? (error as NodeJS.ErrnoException | null)?.code;
  return code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT';
}

const pause = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class LogStore {
  private db: Database.Database | null;
  private session: number | null = null;
  private lastSessionId: number;
  private readonly pending = new PendingRows<Params>((kind) => kind === SESSION_START);
  private timer: NodeJS.Timeout | null = null;
  /** Set while commits fail; the retry timer is then always pending. */
  private failure: LogWriteError | null = null;
  /** Rows committed since commits started failing. */
  private recovered = 0;
  private retention: RetentionPolicy | null = null;
  private retentionTimer: NodeJS.Timeout | null = null;
  private pruning: Promise<PruneResult | null> | null = null;
  private readonly closing = new AbortController();
  private readonly commit: (rows: number) => void;
  private readonly flushMs: number;
  private readonly batchRows: number;
  private readonly retryMs: number;
  private readonly maxBufferedBytes: number;
  private readonly retentionIntervalMs: number;
  private readonly onNotice: ((notice: LogNotice) => void) | undefined;

  private constructor(
    readonly file: string,
    db: Database.Database,
    options: StoreOptions,
  ) {
    this.db = db;
    this.flushMs = options.flushMs ?? DEFAULT_FLUSH_MS;
    this.batchRows = options.batchRows ?? DEFAULT_BATCH_ROWS;
    this.retryMs = options.retryMs ?? DEFAULT_RETRY_MS;
    this.maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    this.retentionIntervalMs = options.retentionIntervalMs ?? DEFAULT_RETENTION_INTERVAL_MS;
    this.onNotice = options.onNotice;
    this.lastSessionId = (db.prepare('SELECT max(id) FROM sessions').pluck().get() as number | null) ?? 0;
    const statements = [
      db.prepare('INSERT INTO samples (session_id, device, name, seq, t, rtt_ms, firmware_us, lost) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      db.prepare('INSERT INTO messages (session_id, device, name, t, direction, kind, body) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      db.prepare('INSERT INTO events (session_id, device, name, t, state, reason) VALUES (?, ?, ?, ?, ?, ?)'),
      db.prepare('INSERT INTO throughput (session_id, device, name, t, octets, ms, bytes_per_s) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      // The id is chosen before the row can be written (it may wait out a full disk). Another
      // writer of the same file could take it meanwhile; its rows then share that session
      // rather than the commit failing for ever.
      db.prepare('INSERT OR IGNORE INTO sessions (id, started_at, meta) VALUES (?, ?, ?)'),
      db.prepare('UPDATE sessions SET ended_at = ? WHERE id = ?'),
    ];
    // The oldest rows go in one transaction: one fsync-free commit, all or nothing, so a failed
    // commit can be retried without duplicating rows.
    this.commit = db.transaction((rows: number) => {
      for (let i = 0; i < rows; i++) statements[this.pending.kindAt(i)]!.run(...this.pending.paramsAt(i));
    });
  }

  /**
   * Opens (creating if missing, readable by the user only) the log at `file` and brings its
   * schema up to date. A file SQLite cannot read throws LogFileUnreadableError and is left as
   * it is: a log may be the user's only copy of a long measurement, and the path may have been
   * typed by hand, so moving it aside (as paired.json is) is the user's choice, not ours. A
   * newer schema throws LogSchemaVersionError; someone else's SQLite database throws
   * ForeignDatabaseError.
   */
  static open(file: string, options: StoreOptions = {}): LogStore {
    createPrivate(file);
    const db = new Database(file, sqliteOptions());
    try {
      // busy_timeout first, so the switch to WAL waits for another process holding a lock.
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      prepareForRetention(db);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      migrate(db, file);
      // A log from before logs were private: it, and the WAL SQLite made like it, become so.
      narrowToPrivate(file, COMPANIONS);
      options.configure?.(db);
      return new LogStore(file, db, options);
    } catch (error) {
      db.close();
      const code = sqliteCode(error);
      if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') throw new LogFileUnreadableError(file, code, error);
      throw error;
    }
  }

  /** Starts a session (ending the running one, if any) and returns its id; rows written from now on belong to it. */
  startSession(meta: Record<string, unknown> = {}, t: number = Date.now()): number {
    const db = this.live();
    if (this.session !== null) this.endSession(t);
    const inFile = (db.prepare('SELECT max(id) FROM sessions').pluck().get() as number | null) ?? 0;
    const id = Math.max(inFile, this.lastSessionId) + 1;
    this.lastSessionId = id;
    this.session = id;
    const text = JSON.stringify(meta);
    this.pending.push(SESSION_START, [id, t, text], ROW_BYTES + 2 * text.length);
    this.flush();
    return id;
  }

  /** Commits the session's rows and records when it ended. Without a running session it does nothing. */
  endSession(t: number = Date.now()): void {
    this.live();
    if (this.session === null) return;
    this.pending.push(SESSION_END, [t, this.session], ROW_BYTES);
    this.session = null;
    this.flush();
  }

  get sessionId(): number | null {
    return this.session;
  }

  addSample(r: SampleRecord): void {
    const session = this.writable();
    this.buffer(SAMPLE, [session, deviceKey(r.device), r.name ?? null, r.seq, r.t, r.rttMs, r.firmwareUs ?? null, r.lost ? 1 : 0], ROW_BYTES);
  }

  addMessage(r: MessageRecord): void {
    const session = this.writable();
    // Copied: the caller may reuse its buffer (a notification's bytes) once this returns.
    const body = typeof r.body === 'string' ? Buffer.from(r.body, 'utf8') : Buffer.from(r.body);
    this.buffer(MESSAGE, [session, deviceKey(r.device), r.name ?? null, r.t, r.direction, r.kind, body], ROW_BYTES + body.length);
  }

  addEvent(r: EventRecord): void {
    const session = this.writable();
    const reason = r.reason ?? null;
    this.buffer(EVENT, [session, deviceKey(r.device), r.name ?? null, r.t, r.state, reason], ROW_BYTES + 2 * (r.state.length + (reason?.length ?? 0)));
  }

  addThroughput(r: ThroughputRecord): void {
    const session = this.writable();
    this.buffer(THROUGHPUT, [session, deviceKey(r.device), r.name ?? null, r.t, r.octets, r.ms, r.bytesPerSecond ?? null], ROW_BYTES);
  }

  /**
   * Commits every waiting row now; returns whether none is left waiting. A failed commit never
   * throws: the rows stay in memory, the owner is told (once) and the retry timer goes on.
   */
  flush(): boolean {
    this.live();
    return this.commitPending(Infinity);
  }

  get health(): LogHealth {
    return { writing: this.failure === null, waiting: this.pending.length, dropped: this.pending.dropped, error: this.failure };
  }

  /** Row counts per kind in the file (after committing what it can). */
  counts(filter: LogFilter = {}): RecordCounts {
    this.flush();
    return countAll(this.live(), filter);
  }

  /** Every session in the file, oldest first. */
  sessions(): SessionInfo[] {
    const rows = this.live().prepare('SELECT id, started_at, ended_at, meta FROM sessions ORDER BY id').all() as {
      id: number;
      started_at: number;
      ended_at: number | null;
      meta: string;
    }[];
    return rows.map((r) => ({ id: r.id, startedAt: r.started_at, endedAt: r.ended_at, meta: JSON.parse(r.meta) as Record<string, unknown> }));
  }

  /**
   * Keeps the log to `policy` (null: keeps everything): applies it now, then every
   * retentionIntervalMs. Resolves with this run's result once it is done; never rejects (a
   * failure is a notice, and the next run tries again).
   */
  setRetention(policy: RetentionPolicy | null): Promise<PruneResult | null> {
    this.live();
    this.retention = policy;
    if (this.retentionTimer !== null) clearInterval(this.retentionTimer);
    this.retentionTimer = null;
    if (policy === null) return Promise.resolve(null);
    this.retentionTimer = setInterval(() => void this.prune(), this.retentionIntervalMs);
    this.retentionTimer.unref();
    return this.prune();
  }

  /** Applies the retention policy once now (after a run in progress); null without a policy or once closed. */
  prune(): Promise<PruneResult | null> {
    if (this.pruning) return this.pruning.then(() => this.prune());
    const db = this.db;
    const policy = this.retention;
    if (db === null || policy === null) return Promise.resolve(null);
    const signal = this.closing.signal;
    // Rows waiting in memory are judged like the rest (if the disk lets them be written).
    this.flush();
    this.pruning = (async () => {
      try {
        const result = await pruneLog(db, policy, { now: Date.now(), currentSession: this.session, pause, signal });
        if (result.rows > 0 || result.sessions > 0) this.notify({ kind: 'pruned', file: this.file, result, policy });
        return result;
      } catch (error) {
        if (!signal.aborted) this.notify({ kind: 'prune-failed', file: this.file, error: error as Error });
        return null;
      } finally {
        this.pruning = null;
      }
    })();
    return this.pruning;
  }

  get closed(): boolean {
    return this.db === null;
  }

  /** Commits what is waiting, ends the session and closes the file. Calling it again does nothing. */
  close(): void {
    const db = this.db;
    if (db === null) return;
    try {
      this.endSession();
    } finally {
      if (this.pending.length > 0 && this.failure) {
        const f = this.failure;
        this.notify({ kind: 'rows-lost', error: new LogWriteError(this.file, f.reason, this.pending.length, f.cause), dropped: this.pending.dropped });
      }
      this.clearTimer();
      if (this.retentionTimer !== null) clearInterval(this.retentionTimer);
      this.retentionTimer = null;
      this.closing.abort();
      this.db = null;
      db.close();
    }
  }

  private live(): Database.Database {
    if (this.db === null) throw new LogStoreClosedError(this.file);
    return this.db;
  }

  private writable(): number {
    this.live();
    if (this.session === null) throw new NoSessionError(this.file);
    return this.session;
  }

  private buffer(kind: number, params: Params, bytes: number): void {
    this.pending.push(kind, params, bytes);
    if (this.failure) {
      // The retry timer is pending; until it succeeds memory is what gives.
      this.pending.trim(this.maxBufferedBytes);
    } else if (this.pending.length >= this.batchRows) {
      this.commitPending(Infinity);
    } else if (this.timer === null) {
      this.schedule(this.flushMs);
    }
  }

  /** Commits up to `budget` of the oldest rows, batchRows per transaction; true when none is left. */
  private commitPending(budget: number): boolean {
    this.clearTimer();
    let left = budget;
    while (this.pending.length > 0) {
      if (left <= 0) {
        this.schedule(0);
        return false;
      }
      const rows = Math.min(this.pending.length, this.batchRows, left);
      try {
        this.commit(rows);
      } catch (error) {
        // The transaction rolled back; the rows stay and the timer tries again.
        this.failed(error);
        this.schedule(this.retryMs);
        return false;
      }
      this.pending.discard(rows);
      left -= rows;
      if (this.failure) this.recovered += rows;
    }
    if (this.failure) {
      this.notify({ kind: 'write-resumed', file: this.file, written: this.recovered, dropped: this.pending.dropped });
      this.failure = null;
      this.recovered = 0;
      this.pending.dropped = 0;
    }
    return true;
  }

  private failed(cause: unknown): void {
    const error = new LogWriteError(this.file, isDiskFull(cause) ? 'disk-full' : 'failed', this.pending.length, cause);
    const first = this.failure === null;
    this.failure = error;
    if (first) {
      this.recovered = 0;
      this.notify({ kind: 'write-failed', error, maxBufferedBytes: this.maxBufferedBytes });
    }
  }

  private notify(notice: LogNotice): void {
    // Later, not inside the hub's call that wrote the row: a listener's mistake must not come
    // back up through a link's event handler.
    const onNotice = this.onNotice;
    if (onNotice) queueMicrotask(() => onNotice(notice));
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => this.fromTimer(), ms);
    // A pending commit must not keep the process alive; close() commits what is left.
    this.timer.unref();
  }

  private fromTimer(): void {
    this.timer = null;
    if (this.db === null) return;
    this.commitPending(DRAIN_ROWS_PER_TICK);
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
