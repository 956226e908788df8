// Exporting the log to CSV or NDJSON, in time order across the chosen kinds of record.
// Runs beside a hub that keeps writing: read-only connections see WAL snapshots and never
// block the writer. Memory stays flat whatever the row count: one row per kind is held (the
// heads of a k-way merge), output goes out in chunks and waits for the file stream to drain.
// The file appears only when complete: rows go to `<out>.part`, renamed at the end (and the
// folder synced, so the rename survives a power cut) and removed on failure or abort; a part a
// crash left behind is listed in a PartRegistry and removed at the next start. Both are
// readable by the user only: they hold what the devices said.
import Database from 'better-sqlite3';
import { syncDir } from './atomic-write.ts';
import type { PartRegistry } from './export-parts.ts';
import { PRIVATE_MODE } from './private-file.ts';
import { sqliteOptions } from './sqlite-binding.ts';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import {
  countRows,
  iterateRows,
  RECORD_KINDS,
  type EventRow,
  type LogFilter,
  type MessageRow,
  type RecordKind,
  type RowOf,
  type SampleRow,
  type ThroughputRow,
} from './log-query.ts';

export type ExportFormat = 'csv' | 'ndjson';

export interface ExportProgress {
  rows: number;
  total: number;
}

export interface ExportOptions {
  format: ExportFormat;
  filter?: LogFilter;
  /** Which tables to export; all by default. */
  kinds?: readonly RecordKind[];
  /** Called with 0 first, then at most every PROGRESS_MS, then once with rows === total. */
  onProgress?: (p: ExportProgress) => void;
  signal?: AbortSignal;
  /** Where the `.part` file is listed while it exists, so a crash's leftover can be cleaned. */
  parts?: PartRegistry;
}

export const CSV_COLUMNS = [
  'record', 'session', 'device', 'name', 'time', 't_ms', 'seq', 'rtt_ms', 'firmware_us', 'lost',
  'direction', 'kind', 'text', 'hex', 'state', 'reason', 'octets', 'ms', 'bytes_per_s',
] as const;

/** The `record` value of each kind: a line holds one sample, not one "samples". */
export const RECORD_NAMES: Record<RecordKind, string> = { samples: 'sample', messages: 'message', events: 'event', throughput: 'throughput' };

const PROGRESS_MS = 100;
// Output is gathered into strings of about this size before each write: large enough that
// stream overhead does not dominate, small enough to keep memory flat.
const CHUNK_CHARS = 64 * 1024;

/** 'csv' for .csv, 'ndjson' for .ndjson or .jsonl (any case); null otherwise. */
export function formatFromPath(file: string): ExportFormat | null {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.ndjson' || ext === '.jsonl') return 'ndjson';
  return null;
}

type AnyRow = RowOf[RecordKind];

interface Source {
  kind: RecordKind;
  db: Database.Database;
  rows: Iterator<AnyRow>;
  head: AnyRow | null;
}

/**
 * Writes the rows matching `filter` of the chosen kinds to `outFile`, merged in time order
 * (ties: samples, messages, events, throughput, each in insertion order). Each kind is read in
 * one snapshot, so `total` (counted in that snapshot) is exactly the number of rows written
 * even while the hub keeps adding rows.
 */
export async function exportLog(dbFile: string, outFile: string, options: ExportOptions): Promise<{ rows: number; file: string }> {
  const { format, filter = {}, kinds = RECORD_KINDS, onProgress, signal, parts } = options;
  signal?.throwIfAborted();
  const part = `${outFile}.part`;
  let listed = false;
  const sources: Source[] = [];
  let stream: WriteStream | null = null;
  try {
    // better-sqlite3 allows one open iterator per connection, so each kind gets its own.
    let total = 0;
    for (const kind of RECORD_KINDS.filter((k) => kinds.includes(k))) {
      const db = openReadOnly(dbFile);
      const source: Source = { kind, db, rows: [][Symbol.iterator](), head: null };
      sources.push(source);
      // The count and the rows come from one read transaction, hence one snapshot.
      db.exec('BEGIN');
      total += countRows(db, kind, filter);
      source.rows = iterateRows(db, kind, filter);
      source.head = next(source);
    }

    await parts?.add(part);
    listed = parts !== undefined;
    // A leftover part of another run keeps its permissions if opened as it is: start afresh.
    await unlink(part).catch(() => {});
    stream = createWriteStream(part, { mode: PRIVATE_MODE });
    const failed = new Promise<never>((_, reject) => stream!.once('error', reject));
    failed.catch(() => {}); // observed by the awaits below; never an unhandled rejection
    const write = async (text: string): Promise<void> => {
      if (!stream!.write(text)) await Promise.race([once(stream!, 'drain'), failed]);
    };

    let rows = 0;
    let lastReport = Date.now();
    onProgress?.({ rows, total });
    let chunk = format === 'csv' ? CSV_COLUMNS.join(',') + '\r\n' : '';
    for (;;) {
      const source = earliest(sources);
      if (source === null) break;
      const row = source.head!;
      source.head = next(source);
      chunk += format === 'csv' ? csvLine(source.kind, row) : ndjsonLine(source.kind, row);
      rows++;
      if (chunk.length >= CHUNK_CHARS) {
        signal?.throwIfAborted();
        await write(chunk);
        chunk = '';
        const now = Date.now();
        if (onProgress && now - lastReport >= PROGRESS_MS) {
          lastReport = now;
          onProgress({ rows, total });
        }
      }
    }
    signal?.throwIfAborted();
    if (chunk) await write(chunk);
    stream.end();
    await Promise.race([once(stream, 'close'), failed]);
    stream = null;
    await syncFile(part);
    await rename(part, outFile);
    await syncDir(path.dirname(outFile));
    onProgress?.({ rows, total });
    return { rows, file: outFile };
  } catch (error) {
    if (stream) {
      // finished() also settles for a stream that already closed, where once('close') would wait forever.
      stream.destroy();
      await finished(stream).catch(() => {});
    }
    await unlink(part).catch(() => {});
    throw error;
  } finally {
    if (listed) await parts?.remove(part);
    for (const s of sources) {
      s.rows.return?.();
      s.db.close();
    }
  }
}

/** A read-only connection: it takes no write lock, so the hub's writes go on meanwhile. */
function openReadOnly(dbFile: string): Database.Database {
  try {
    return new Database(dbFile, sqliteOptions({ readonly: true, fileMustExist: true }));
  } catch (error) {
    throw new Error(`Cannot open the log ${dbFile} to export it (${(error as Error).message}).`, { cause: error });
  }
}

function next(source: Source): AnyRow | null {
  const r = source.rows.next();
  return r.done ? null : r.value;
}

/** The source whose head is earliest; with at most four sources a scan beats a heap. */
function earliest(sources: readonly Source[]): Source | null {
  let best: Source | null = null;
  for (const s of sources) {
    if (s.head !== null && (best === null || s.head.t < best.head!.t)) best = s;
  }
  return best;
}

/** Without it a crash just after the rename could leave a complete-looking but empty file. */
async function syncFile(file: string): Promise<void> {
  const fh = await open(file, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function isoTime(t: number): string {
  return new Date(t).toISOString();
}

// The formatters below are written out per kind, without a shared intermediate object:
// they run once per exported row and were most of an export's time when they built one.

// JSON numbers have no NaN or Infinity; JSON.stringify writes null for them, and so does this.
function jnum(value: number | null): string {
  return value !== null && Number.isFinite(value) ? String(value) : 'null';
}

const jstr = (value: string | null): string => JSON.stringify(value);

function ndjsonLine(kind: RecordKind, row: AnyRow): string {
  const base = `{"record":"${RECORD_NAMES[kind]}","session":${row.session_id},"device":${jstr(row.device)},"name":${jstr(row.name)},"time":"${isoTime(row.t)}","t_ms":${jnum(row.t)}`;
  switch (kind) {
    case 'samples': {
      const r = row as SampleRow;
      return `${base},"seq":${r.seq},"rtt_ms":${jnum(r.rtt_ms)},"firmware_us":${jnum(r.firmware_us)},"lost":${r.lost === 1}}\n`;
    }
    case 'messages': {
      const r = row as MessageRow;
      const body = r.kind === 'text' ? `"text":${jstr(r.body.toString('utf8'))}` : `"hex":"${r.body.toString('hex')}"`;
      return `${base},"direction":${jstr(r.direction)},"kind":${jstr(r.kind)},${body}}\n`;
    }
    case 'events': {
      const r = row as EventRow;
      return `${base},"state":${jstr(r.state)},"reason":${jstr(r.reason)}}\n`;
    }
    case 'throughput': {
      const r = row as ThroughputRow;
      return `${base},"octets":${jnum(r.octets)},"ms":${jnum(r.ms)},"bytes_per_s":${jnum(r.bytes_per_s)}}\n`;
    }
  }
}

// RFC 4180: a field holding a comma, quote or line break is quoted, its quotes doubled.
const NEEDS_QUOTES = /[",\r\n]/;
// Formula injection (OWASP "CSV Injection", CWE-1236): a spreadsheet runs a cell that starts with
// = + - @ as a formula, and tab, CR (and NUL, ASVS 1.2.10) can hide such a start. Names and
// messages come from the devices, so any text cell can start that way. OWASP's remedy: prefix
// the cell with a single quote, which spreadsheets take as "this is text", and quote the field.
const FORMULA_START = /^[=+\-@\t\r\0]/;

/** A text cell: neutralised if it could start a formula, then quoted as RFC 4180 says. */
export function csvText(value: string | null): string {
  if (value === null) return '';
  if (FORMULA_START.test(value)) return `"'${value.replace(/"/g, '""')}"`;
  return NEEDS_QUOTES.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

const text = csvText;

function num(value: number | null): string {
  return value === null ? '' : String(value);
}

// Runs of empty columns, named by the CSV_COLUMNS they stand for.
const NO_SAMPLE = ',,,,'; // seq, rtt_ms, firmware_us, lost
const NO_MESSAGE = ',,,,'; // direction, kind, text, hex
const NO_EVENT = ',,'; // state, reason
const NO_THROUGHPUT = ',,,'; // octets, ms, bytes_per_s

function csvLine(kind: RecordKind, row: AnyRow): string {
  const base = `${RECORD_NAMES[kind]},${row.session_id},${text(row.device)},${text(row.name)},${isoTime(row.t)},${row.t}`;
  switch (kind) {
    case 'samples': {
      const r = row as SampleRow;
      return `${base},${r.seq},${num(r.rtt_ms)},${num(r.firmware_us)},${r.lost}${NO_MESSAGE}${NO_EVENT}${NO_THROUGHPUT}\r\n`;
    }
    case 'messages': {
      const r = row as MessageRow;
      const body = r.kind === 'text' ? `${text(r.body.toString('utf8'))},` : `,${r.body.toString('hex')}`;
      return `${base}${NO_SAMPLE},${r.direction},${r.kind},${body}${NO_EVENT}${NO_THROUGHPUT}\r\n`;
    }
    case 'events': {
      const r = row as EventRow;
      return `${base}${NO_SAMPLE}${NO_MESSAGE},${text(r.state)},${text(r.reason)}${NO_THROUGHPUT}\r\n`;
    }
    case 'throughput': {
      const r = row as ThroughputRow;
      return `${base}${NO_SAMPLE}${NO_MESSAGE}${NO_EVENT},${r.octets},${r.ms},${num(r.bytes_per_s)}\r\n`;
    }
  }
}
