// Exporting the log to CSV or NDJSON, in time order across the chosen kinds of record.
// Runs beside a hub that keeps writing: read-only connections see WAL snapshots and never
// block the writer. Memory stays flat whatever the row count: one batch of rows per kind is held
// (feeding a k-way merge), output goes out in chunks and waits for the file stream to drain.
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
import { csvText, EpochMs, IsoTime, jsonText, TextMemo } from './export-format.ts';
import { countRows, rowBatches, RECORD_KINDS, type LogFilter, type RecordKind } from './log-query.ts';

export { csvText } from './export-format.ts';

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
const STREAM_BUFFER_BYTES = 1024 * 1024;
// Rows fetched from SQLite per call: enough that the call's own cost vanishes, few enough that one
// call (about a millisecond) does not hold up the hub that shares this thread.
const BATCH_ROWS = 1024;

/** 'csv' for .csv, 'ndjson' for .ndjson or .jsonl (any case); null otherwise. */
export function formatFromPath(file: string): ExportFormat | null {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.ndjson' || ext === '.jsonl') return 'ndjson';
  return null;
}

// Each kind's columns as the exporter reads them, one array per row (no object per row): the time
// first for the merge, then what every kind has, then the kind's own.
const COLUMNS: Record<RecordKind, string> = {
  samples: 't, session_id, device, name, seq, rtt_ms, firmware_us, lost',
  messages: 't, session_id, device, name, direction, kind, body',
  events: 't, session_id, device, name, state, reason',
  throughput: 't, session_id, device, name, octets, ms, bytes_per_s',
};
const T = 0;
const SESSION = 1;
const DEVICE = 2;
const NAME = 3;
const OWN = 4; // the kind's first own column

type Row = unknown[];

interface Source {
  kind: RecordKind;
  db: Database.Database;
  batches: Iterator<Row[]>;
  batch: Row[];
  /** The head's index in batch. */
  at: number;
  head: Row | null;
  /** The head's time, kept out of the array for the merge. */
  t: number;
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
    // Each kind reads on its own connection; the hub's writes go on meanwhile (WAL).
    let total = 0;
    for (const kind of RECORD_KINDS.filter((k) => kinds.includes(k))) {
      const db = openReadOnly(dbFile);
      const source: Source = { kind, db, batches: [][Symbol.iterator](), batch: [], at: 0, head: null, t: 0 };
      sources.push(source);
      // The count and the rows come from one read transaction, hence one snapshot.
      db.exec('BEGIN');
      total += countRows(db, kind, filter);
      source.batches = rowBatches(db, kind, COLUMNS[kind], filter, BATCH_ROWS);
      next(source);
    }

    await parts?.add(part);
    listed = parts !== undefined;
    // A leftover part of another run keeps its permissions if opened as it is: start afresh.
    await unlink(part).catch(() => {});
    // A buffer of several chunks lets the disk write one while the next is formatted.
    stream = createWriteStream(part, { mode: PRIVATE_MODE, highWaterMark: STREAM_BUFFER_BYTES });
    const failed = new Promise<never>((_, reject) => stream!.once('error', reject));
    failed.catch(() => {}); // observed by the awaits below; never an unhandled rejection
    const write = async (text: string): Promise<void> => {
      if (!stream!.write(text)) await Promise.race([once(stream!, 'drain'), failed]);
      // The hub runs on this thread: its timers and I/O get a turn between chunks either way.
      else await new Promise<void>((resolve) => setImmediate(resolve));
    };
    const lines = format === 'csv' ? new CsvLines() : new NdjsonLines();

    let rows = 0;
    let lastReport = Date.now();
    onProgress?.({ rows, total });
    let chunk = format === 'csv' ? CSV_COLUMNS.join(',') + '\r\n' : '';
    for (;;) {
      const source = earliest(sources);
      if (source === null) break;
      const row = source.head!;
      next(source);
      chunk += lines.line(source.kind, row);
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
      s.batches.return?.();
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

function next(source: Source): void {
  if (++source.at >= source.batch.length) {
    const r = source.batches.next();
    source.batch = r.done ? [] : r.value;
    source.at = 0;
  }
  const head = source.batch[source.at];
  source.head = head ?? null;
  if (head !== undefined) source.t = head[T] as number;
}

/** The source whose head is earliest; with at most four sources a scan beats a heap. */
function earliest(sources: readonly Source[]): Source | null {
  let best: Source | null = null;
  for (const s of sources) {
    if (s.head !== null && (best === null || s.t < best.t)) best = s;
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

// The formatters below are written out per kind, without a shared intermediate object: they
// run once per exported row and were most of an export's time when they built one.

// JSON numbers have no NaN or Infinity; JSON.stringify writes null for them, and so does this.
function jnum(value: number | null): string {
  return value !== null && Number.isFinite(value) ? String(value) : 'null';
}

function num(value: number | null): string {
  return value === null ? '' : String(value);
}

class NdjsonLines {
  private readonly time = new IsoTime();
  private readonly ms = new EpochMs();
  private readonly text = new TextMemo(jsonText);

  line(kind: RecordKind, r: Row): string {
    const t = r[T] as number;
    const base = `{"record":"${RECORD_NAMES[kind]}","session":${r[SESSION] as number},"device":${this.text.get(r[DEVICE] as string)},"name":${this.text.get(r[NAME] as string | null)},"time":"${this.time.format(t)}","t_ms":${this.ms.format(t)}`;
    switch (kind) {
      case 'samples':
        // seq, rtt_ms, firmware_us, lost
        return `${base},"seq":${r[OWN] as number},"rtt_ms":${jnum(r[OWN + 1] as number | null)},"firmware_us":${jnum(r[OWN + 2] as number | null)},"lost":${r[OWN + 3] === 1}}\n`;
      case 'messages': {
        // direction, kind, body
        const body = r[OWN + 2] as Buffer;
        const cell = r[OWN + 1] === 'text' ? `"text":${jsonText(body.toString('utf8'))}` : `"hex":"${body.toString('hex')}"`;
        return `${base},"direction":${this.text.get(r[OWN] as string)},"kind":${this.text.get(r[OWN + 1] as string)},${cell}}\n`;
      }
      case 'events':
        // state, reason
        return `${base},"state":${this.text.get(r[OWN] as string)},"reason":${this.text.get(r[OWN + 1] as string | null)}}\n`;
      case 'throughput':
        // octets, ms, bytes_per_s
        return `${base},"octets":${jnum(r[OWN] as number)},"ms":${jnum(r[OWN + 1] as number)},"bytes_per_s":${jnum(r[OWN + 2] as number | null)}}\n`;
    }
  }
}

// Runs of empty columns, named by the CSV_COLUMNS they stand for.
const NO_SAMPLE = ',,,,'; // seq, rtt_ms, firmware_us, lost
const NO_MESSAGE = ',,,,'; // direction, kind, text, hex
const NO_EVENT = ',,'; // state, reason
const NO_THROUGHPUT = ',,,'; // octets, ms, bytes_per_s

class CsvLines {
  private readonly time = new IsoTime();
  private readonly ms = new EpochMs();
  private readonly text = new TextMemo(csvText);

  line(kind: RecordKind, r: Row): string {
    const t = r[T] as number;
    const base = `${RECORD_NAMES[kind]},${r[SESSION] as number},${this.text.get(r[DEVICE] as string)},${this.text.get(r[NAME] as string | null)},${this.time.format(t)},${this.ms.format(t)}`;
    switch (kind) {
      case 'samples':
        return `${base},${r[OWN] as number},${num(r[OWN + 1] as number | null)},${num(r[OWN + 2] as number | null)},${r[OWN + 3] as number}${NO_MESSAGE}${NO_EVENT}${NO_THROUGHPUT}\r\n`;
      case 'messages': {
        const body = r[OWN + 2] as Buffer;
        const cell = r[OWN + 1] === 'text' ? `${csvText(body.toString('utf8'))},` : `,${body.toString('hex')}`;
        return `${base}${NO_SAMPLE},${r[OWN] as string},${r[OWN + 1] as string},${cell}${NO_EVENT}${NO_THROUGHPUT}\r\n`;
      }
      case 'events':
        return `${base}${NO_SAMPLE}${NO_MESSAGE},${this.text.get(r[OWN] as string)},${this.text.get(r[OWN + 1] as string | null)}${NO_THROUGHPUT}\r\n`;
      case 'throughput':
        return `${base}${NO_SAMPLE}${NO_MESSAGE}${NO_EVENT},${r[OWN] as number},${r[OWN + 1] as number},${num(r[OWN + 2] as number | null)}\r\n`;
    }
  }
}
