// The log database's tables and how a file gets to the current version. The version lives in
// PRAGMA user_version; MIGRATIONS[n] takes a database from version n to n + 1, so a later
// release appends a step (ALTER TABLE ... ADD COLUMN) and never edits an old one.
import type Database from 'better-sqlite3';

type Migration = (db: Database.Database) => void;

const TABLES = ['samples', 'messages', 'events', 'throughput'] as const;

const MIGRATIONS: readonly Migration[] = [
  // 0 -> 1. Times are epoch milliseconds as REAL (sub-millisecond sends keep their fraction).
  (db) => {
    db.exec(`
      CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        started_at REAL NOT NULL,
        ended_at REAL,
        meta TEXT NOT NULL DEFAULT '{}'
      );
      CREATE TABLE samples (
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        device TEXT NOT NULL,
        name TEXT,
        seq INTEGER NOT NULL,
        t REAL NOT NULL,
        rtt_ms REAL,
        firmware_us INTEGER,
        lost INTEGER NOT NULL CHECK (lost IN (0, 1))
      );
      CREATE TABLE messages (
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        device TEXT NOT NULL,
        name TEXT,
        t REAL NOT NULL,
        direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
        kind TEXT NOT NULL CHECK (kind IN ('text', 'data')),
        body BLOB NOT NULL
      );
      CREATE TABLE events (
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        device TEXT NOT NULL,
        name TEXT,
        t REAL NOT NULL,
        state TEXT NOT NULL,
        reason TEXT
      );
      CREATE TABLE throughput (
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        device TEXT NOT NULL,
        name TEXT,
        t REAL NOT NULL,
        octets INTEGER NOT NULL,
        ms REAL NOT NULL,
        bytes_per_s REAL
      );
    `);
    // Exports and charts read one device over a time range, or everything in time order.
    for (const table of TABLES) {
      db.exec(`CREATE INDEX ${table}_device_t ON ${table}(device, t); CREATE INDEX ${table}_t ON ${table}(t);`);
    }
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** The file was written by a newer PicoLink; this one must not touch it. */
export class LogSchemaVersionError extends Error {
  constructor(
    readonly file: string,
    readonly found: number,
  ) {
    super(
      `The log database ${file} has schema version ${found}, written by a newer PicoLink; this version ` +
        `reads up to ${SCHEMA_VERSION}. Update PicoLink, or move that file away to start a new log.`,
    );
    this.name = 'LogSchemaVersionError';
  }
}

/** The file is a SQLite database, but not one of ours. */
export class ForeignDatabaseError extends Error {
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    super(`${file} is a SQLite database but not a PicoLink log (${(cause as Error).message}); move it away or choose another file.`, { cause });
    this.name = 'ForeignDatabaseError';
  }
}

/** Brings `db` to SCHEMA_VERSION, one transaction per step. Throws LogSchemaVersionError for a newer file. */
export function migrate(db: Database.Database, file: string): void {
  const found = db.pragma('user_version', { simple: true }) as number;
  if (found > SCHEMA_VERSION) throw new LogSchemaVersionError(file, found);
  for (let v = found; v < SCHEMA_VERSION; v++) {
    const step = MIGRATIONS[v]!;
    try {
      db.transaction(() => {
        step(db);
        db.pragma(`user_version = ${v + 1}`);
      })();
    } catch (error) {
      // Creating our tables in a database that already has tables of those names.
      if (v === 0 && /already exists/.test((error as Error).message)) throw new ForeignDatabaseError(file, error);
      throw error;
    }
  }
}
