// The hub's log: every latency sample, message, link event and throughput result, in one
// SQLite file. Writers only append to memory; a timer (and a full buffer) commits what has
// gathered in one transaction. One commit per row would cap the hub at a few thousand rows a
// second; one per flushMs sustains hundreds of thousands, and with WAL + synchronous=NORMAL a
// committed transaction survives a crash of the process, so a kill -9 loses at most the rows
// of the last flushMs (a power cut may lose a little more: NORMAL skips the fsync per commit).
import Database from 'better-sqlite3';
import { countAll, type LogFilter, type RecordCounts } from './log-query.ts';
import { migrate } from './log-schema.ts';
import { sqliteOptions } from './sqlite-binding.ts';
import { normaliseAddress } from '../discovery/address.ts';

/** The log's file name in the app data folder. */
export const LOG_FILE = 'log.sqlite';

export interface StoreOptions {
  /** The longest a written row waits in memory before it is committed. */
  flushMs?: number;
  /** A buffer this long is committed at once instead of waiting for the timer. */
  batchRows?: number;
  /**
   * Called when a commit started by the timer fails (disk full, file locked by another program).
   * The rows stay buffered and are tried again; without this the error is thrown by the next call.
   */
  onError?: (error: LogWriteError) => void;
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
// While commits fail, writes keep buffering; past this many rows they are refused, so a
// broken disk shows up as errors instead of the hub's memory growing without end.
const MAX_BUFFERED_ROWS = 1_000_000;
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

/** A commit failed; its rows are still buffered and the next flush tries them again. */
export class LogWriteError extends Error {
  constructor(
    readonly file: string,
    readonly buffered: number,
    cause: unknown,
  ) {
    super(`Writing ${buffered} rows to the log ${file} failed (${(cause as Error).message}); they are kept in memory and retried.`, { cause });
    this.name = 'LogWriteError';
  }
}

// Rows wait in memory as the statements' parameters, so a flush does no work but binding.
type SampleParams = [session: number, device: string, name: string | null, seq: number, t: number, rtt: number | null, fw: number | null, lost: 0 | 1];
type MessageParams = [session: number, device: string, name: string | null, t: number, direction: 'in' | 'out', kind: 'text' | 'data', body: Buffer];
type EventParams = [session: number, device: string, name: string | null, t: number, state: string, reason: string | null];
type ThroughputParams = [session: number, device: string, name: string | null, t: number, octets: number, ms: number, bps: number | null];

/** Addresses are stored lower-case, as LogFilter looks them up. */
function deviceKey(device: string): string {
  return normaliseAddress(device) ?? device;
}

function sqliteCode(error: unknown): string | undefined {
  return error instanceof Database.SqliteError ? error.code : undefined;
}

export class LogStore {
  private db: Database.Database | null;
  private session: number | null = null;
  private samples: SampleParams[] = [];
  private messages: MessageParams[] = [];
  private events: EventParams[] = [];
  private throughputs: ThroughputParams[] = [];
  private buffered = 0;
  private timer: NodeJS.Timeout | null = null;
  private timerError: LogWriteError | null = null;
  private readonly commit: () => void;
  private readonly flushMs: number;
  private readonly batchRows: number;
  private readonly onError: ((error: LogWriteError) => void) | undefined;

  private constructor(
    readonly file: string,
    db: Database.Database,
    options: StoreOptions,
  ) {
    this.db = db;
    this.flushMs = options.flushMs ?? DEFAULT_FLUSH_MS;
    this.batchRows = options.batchRows ?? DEFAULT_BATCH_ROWS;
    this.onError = options.onError;
    const insert = {
      samples: db.prepare('INSERT INTO samples (session_id, device, name, seq, t, rtt_ms, firmware_us, lost) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      messages: db.prepare('INSERT INTO messages (session_id, device, name, t, direction, kind, body) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      events: db.prepare('INSERT INTO events (session_id, device, name, t, state, reason) VALUES (?, ?, ?, ?, ?, ?)'),
      throughput: db.prepare('INSERT INTO throughput (session_id, device, name, t, octets, ms, bytes_per_s) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    };
    // All four buffers go in one transaction: one fsync-free commit, all or nothing, so a
    // failed commit can be retried without duplicating rows.
    this.commit = db.transaction(() => {
      for (const p of this.samples) insert.samples.run(...p);
      for (const p of this.messages) insert.messages.run(...p);
      for (const p of this.events) insert.events.run(...p);
      for (const p of this.throughputs) insert.throughput.run(...p);
    });
  }

  /**
   * Opens (creating if missing) the log at `file` and brings its schema up to date.
   * A file SQLite cannot read throws LogFileUnreadableError and is left as it is: a log may be
   * the user's only copy of a long measurement, and the path may have been typed by hand, so
   * moving it aside (as paired.json is) is the user's choice, not ours. A newer schema throws
   * LogSchemaVersionError; someone else's SQLite database throws ForeignDatabaseError.
   */
  static open(file: string, options: StoreOptions = {}): LogStore {
    const db = new Database(file, sqliteOptions());
    try {
      // busy_timeout first, so the switch to WAL waits for another process holding a lock.
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      migrate(db, file);
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
    const info = db.prepare('INSERT INTO sessions (started_at, meta) VALUES (?, ?)').run(t, JSON.stringify(meta));
    this.session = Number(info.lastInsertRowid);
    return this.session;
  }

  /** Commits the session's rows and records when it ended. Without a running session it does nothing. */
  endSession(t: number = Date.now()): void {
    const db = this.live();
    if (this.session === null) return;
    this.flush();
    db.prepare('UPDATE sessions SET ended_at = ? WHERE id = ?').run(t, this.session);
    this.session = null;
  }

  get sessionId(): number | null {
    return this.session;
  }

  addSample(r: SampleRecord): void {
    const session = this.writable();
    this.samples.push([session, deviceKey(r.device), r.name ?? null, r.seq, r.t, r.rttMs, r.firmwareUs ?? null, r.lost ? 1 : 0]);
    this.buffer();
  }

  addMessage(r: MessageRecord): void {
    const session = this.writable();
    // Copied: the caller may reuse its buffer (a notification's bytes) once this returns.
    const body = typeof r.body === 'string' ? Buffer.from(r.body, 'utf8') : Buffer.from(r.body);
    this.messages.push([session, deviceKey(r.device), r.name ?? null, r.t, r.direction, r.kind, body]);
    this.buffer();
  }

  addEvent(r: EventRecord): void {
    const session = this.writable();
    this.events.push([session, deviceKey(r.device), r.name ?? null, r.t, r.state, r.reason ?? null]);
    this.buffer();
  }

  addThroughput(r: ThroughputRecord): void {
    const session = this.writable();
    this.throughputs.push([session, deviceKey(r.device), r.name ?? null, r.t, r.octets, r.ms, r.bytesPerSecond ?? null]);
    this.buffer();
  }

  /** Commits every buffered row now. Throws LogWriteError if the commit fails (the rows stay buffered). */
  flush(): void {
    this.live();
    this.timerError = null;
    this.commitBuffered();
  }

  /** Row counts per kind, including rows still buffered a moment ago. */
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

  get closed(): boolean {
    return this.db === null;
  }

  /** Commits what is buffered, ends the session and closes the file. Calling it again does nothing. */
  close(): void {
    const db = this.db;
    if (db === null) return;
    try {
      this.endSession();
    } finally {
      this.clearTimer();
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
    if (this.timerError) {
      const error = this.timerError;
      this.timerError = null;
      throw error;
    }
    if (this.session === null) throw new NoSessionError(this.file);
    if (this.buffered >= MAX_BUFFERED_ROWS) {
      throw new LogWriteError(this.file, this.buffered, new Error(`the log is not accepting commits; ${MAX_BUFFERED_ROWS} rows are waiting`));
    }
    return this.session;
  }

  private buffer(): void {
    this.buffered++;
    if (this.buffered >= this.batchRows) {
      this.commitBuffered();
    } else if (this.timer === null) {
      this.timer = setTimeout(() => this.flushFromTimer(), this.flushMs);
      // A pending commit must not keep the process alive; close() commits what is left.
      this.timer.unref();
    }
  }

  private commitBuffered(): void {
    this.clearTimer();
    if (this.buffered === 0) return;
    try {
      this.commit();
    } catch (error) {
      // The transaction rolled back; keep the rows and try again on the next timer tick.
      this.timer = setTimeout(() => this.flushFromTimer(), this.flushMs);
      this.timer.unref();
      throw new LogWriteError(this.file, this.buffered, error);
    }
    this.samples = [];
    this.messages = [];
    this.events = [];
    this.throughputs = [];
    this.buffered = 0;
  }

  private flushFromTimer(): void {
    this.timer = null;
    if (this.db === null) return;
    try {
      this.commitBuffered();
    } catch (error) {
      // Thrown from a timer it would take the whole hub down; hand it to someone who can report it.
      const e = error as LogWriteError;
      if (this.onError) this.onError(e);
      else this.timerError = e;
    }
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
