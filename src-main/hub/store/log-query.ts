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
    const address = normaliseAddress(filter.device);
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
