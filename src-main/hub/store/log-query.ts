// Reading the log: the row shapes as stored, one filter for every table, counts and
// iteration in time order. Shared by LogStore.counts() and the exporter's read connection.
import type Database from 'better-sqlite3';
import { normaliseAddress } from '../discovery/address.ts';

export type RecordKind = 'samples' | 'messages' | 'events' | 'throughput';
export const RECORD_KINDS: readonly RecordKind[] = ['samples', 'messages', 'events', 'throughput'];

export interface LogFilter {
  /** An address (any case) matches the device column; anything else matches the name column. */
  device?: string;
  /** Epoch ms, inclusive. */
  from?: number;
  /** Epoch ms, exclusive, so consecutive ranges never share a row. */
  to?: number;
  session?: number;
}

interface RowBase {
  session_id: number;
  device: string;
  name: string | null;
  /** Epoch ms. */
  t: number;
}

export interface SampleRow extends RowBase {
  seq: number;
  rtt_ms: number | null;
  firmware_us: number | null;
  lost: 0 | 1;
}

export interface MessageRow extends RowBase {
  direction: 'in' | 'out';
  kind: 'text' | 'data';
  body: Buffer;
}

export interface EventRow extends RowBase {
  state: string;
  reason: string | null;
}

export interface ThroughputRow extends RowBase {
  octets: number;
  ms: number;
  bytes_per_s: number | null;
}

export interface RowOf {
  samples: SampleRow;
  messages: MessageRow;
  events: EventRow;
  throughput: ThroughputRow;
}

export type RecordCounts = Record<RecordKind, number>;

const COLUMNS: Record<RecordKind, string> = {
  samples: 'session_id, device, name, seq, t, rtt_ms, firmware_us, lost',
  messages: 'session_id, device, name, t, direction, kind, body',
  events: 'session_id, device, name, t, state, reason',
  throughput: 'session_id, device, name, t, octets, ms, bytes_per_s',
};

function where(filter: LogFilter): { sql: string; params: (string | number)[] } {
  const terms: string[] = [];
  const params: (string | number)[] = [];
  if (filter.device !== undefined) {
    // A remote hub's device is logged as HUB/address (app/remote-devices.ts): matched whole.
    const slash = filter.device.lastIndexOf('/');
    const remote = slash > 0 ? normaliseAddress(filter.device.slice(slash + 1)) : null;
    const address = remote !== null ? `${filter.device.slice(0, slash)}/${remote}` : normaliseAddress(filter.device);
    terms.push(address !== null ? 'device = ?' : 'name = ?');
    params.push(address ?? filter.device);
  }
  const add = (term: string, value: number | undefined): void => {
    if (value === undefined) return;
    terms.push(term);
    params.push(value);
  };
  add('t >= ?', filter.from);
  add('t < ?', filter.to);
  add('session_id = ?', filter.session);
  return { sql: terms.length ? ` WHERE ${terms.join(' AND ')}` : '', params };
}

export function countRows(db: Database.Database, kind: RecordKind, filter: LogFilter = {}): number {
  const w = where(filter);
  return db.prepare(`SELECT COUNT(*) FROM ${kind}${w.sql}`).pluck().get(...w.params) as number;
}

export function countAll(db: Database.Database, filter: LogFilter = {}): RecordCounts {
  return {
    samples: countRows(db, 'samples', filter),
    messages: countRows(db, 'messages', filter),
    events: countRows(db, 'events', filter),
    throughput: countRows(db, 'throughput', filter),
  };
}

/**
 * Rows in time order (ties in insertion order), read one at a time from SQLite. While the
 * iterator is open its connection can run nothing else, so long readers use their own.
 */
export function iterateRows<K extends RecordKind>(db: Database.Database, kind: K, filter: LogFilter = {}): IterableIterator<RowOf[K]> {
  const w = where(filter);
  const stmt = db.prepare(`SELECT ${COLUMNS[kind]} FROM ${kind}${w.sql} ORDER BY t, rowid`);
  return stmt.iterate(...w.params) as IterableIterator<RowOf[K]>;
}

/**
 * As iterateRows, in batches of up to `size` rows, each row an array of the named columns in the
 * order given (SQL column names, comma separated, `t` among them) with the rowid after them.
 * Neither an object with named fields per row nor a call into SQLite per row: those cost more
 * than the values. Each batch starts after the last row of the one before (by time, then rowid),
 * so on a connection inside one read transaction the batches together are one snapshot, and
 * between batches the connection is free for other statements.
 */
export function* rowBatches(db: Database.Database, kind: RecordKind, columns: string, filter: LogFilter, size: number): Generator<unknown[][], void, undefined> {
  const names = columns.split(',').map((c) => c.trim());
  const t = names.indexOf('t');
  if (t < 0) throw new Error(`rowBatches needs the t column, got ${columns}`);
  const rowid = names.length;
  const w = where(filter);
  const select = `SELECT ${columns}, rowid FROM ${kind}`;
  const order = ` ORDER BY t, rowid LIMIT ${size}`;
  const first = db.prepare(`${select}${w.sql}${order}`).raw();
  // SQLite compares row values in order (lang_expr.html "Row Values"), which the (t) index serves.
  const after = db.prepare(`${select}${w.sql ? `${w.sql} AND` : ' WHERE'} (t, rowid) > (?, ?)${order}`).raw();
  let rows = first.all(...w.params) as unknown[][];
  while (rows.length > 0) {
    yield rows;
    if (rows.length < size) return;
    const last = rows[rows.length - 1]!;
    rows = after.all(...w.params, last[t], last[rowid]) as unknown[][];
  }
}
