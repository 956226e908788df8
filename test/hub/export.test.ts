import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogStore } from '../../src-main/hub/store/database.ts';
import { CSV_COLUMNS, exportLog, formatFromPath, type ExportProgress } from '../../src-main/hub/store/export.ts';

const A = 'aa:bb:cc:dd:ee:01';
const B = 'aa:bb:cc:dd:ee:02';

let dir: string;
let dbFile: string;
let store: LogStore;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'picolink-export-'));
  dbFile = path.join(dir, 'log.db');
  store = LogStore.open(dbFile);
  store.startSession({ test: true }, 0);
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Two devices, every kind, times interleaved across kinds, tricky text in messages. */
function writeMixed(): void {
  store.addEvent({ device: A, name: 'pico-a', t: 1000, state: 'connected', reason: null });
  store.addSample({ device: A, name: 'pico-a', seq: 1, t: 1001, rttMs: 8.25, firmwareUs: 150, lost: false });
  store.addMessage({ device: A, name: 'pico-a', t: 1002, direction: 'out', kind: 'text', body: 'a, "quoted"\nsecond line' });
  store.addSample({ device: B, name: 'pico-b', seq: 1, t: 1003, rttMs: null, lost: true });
  store.addMessage({ device: B, name: 'pico-b', t: 1004, direction: 'in', kind: 'data', body: new Uint8Array([0xde, 0xad, 0x00]) });
  store.addThroughput({ device: A, name: 'pico-a', t: 1005, octets: 2048, ms: 100, bytesPerSecond: 20480 });
  store.addEvent({ device: B, name: 'pico-b', t: 1006, state: 'disconnected', reason: 'timeout, supervision' });
  store.flush();
}

/** RFC 4180 parser, independent of the exporter: quoted fields may hold commas, quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  expect(field).toBe('');
  expect(row).toEqual([]);
  return rows;
}

function csvRecords(file: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(readFileSync(file, 'utf8'));
  expect(header).toEqual([...CSV_COLUMNS]);
  return rows.map((r) => {
    expect(r).toHaveLength(CSV_COLUMNS.length);
    return Object.fromEntries(header!.map((h, i) => [h, r[i]!]));
  });
}

function ndjsonRecords(file: string): Record<string, unknown>[] {
  const text = readFileSync(file, 'utf8');
  if (text === '') return [];
  expect(text.endsWith('\n')).toBe(true);
  return text.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('exportLog', () => {
  it('writes CSV in time order across kinds, quoting commas, quotes and line breaks', async () => {
    writeMixed();
    const out = path.join(dir, 'out.csv');
    expect(await exportLog(dbFile, out, { format: 'csv' })).toEqual({ rows: 7, file: out });
    const records = csvRecords(out);
    expect(records.map((r) => r.record)).toEqual(['event', 'sample', 'message', 'sample', 'message', 'throughput', 'event']);
    expect(records.map((r) => Number(r.t_ms))).toEqual([1000, 1001, 1002, 1003, 1004, 1005, 1006]);
    expect(records[1]).toMatchObject({ session: '1', device: A, name: 'pico-a', time: '1970-01-01T00:00:01.001Z', seq: '1', rtt_ms: '8.25', firmware_us: '150', lost: '0', text: '', state: '' });
    expect(records[2]).toMatchObject({ direction: 'out', kind: 'text', text: 'a, "quoted"\nsecond line', hex: '' });
    expect(records[3]).toMatchObject({ device: B, rtt_ms: '', firmware_us: '', lost: '1' });
    expect(records[4]).toMatchObject({ direction: 'in', kind: 'data', text: '', hex: 'dead00' });
    expect(records[5]).toMatchObject({ octets: '2048', ms: '100', bytes_per_s: '20480', seq: '' });
    expect(records[6]).toMatchObject({ state: 'disconnected', reason: 'timeout, supervision' });
    expect(readdirSync(dir).filter((f) => f.endsWith('.part'))).toEqual([]);
  });

  it('writes NDJSON with each kind’s own fields', async () => {
    writeMixed();
    const out = path.join(dir, 'out.ndjson');
    await exportLog(dbFile, out, { format: 'ndjson' });
    const records = ndjsonRecords(out);
    expect(records).toHaveLength(7);
    expect(records[0]).toEqual({ record: 'event', session: 1, device: A, name: 'pico-a', time: '1970-01-01T00:00:01.000Z', t_ms: 1000, state: 'connected', reason: null });
    expect(records[1]).toEqual({ record: 'sample', session: 1, device: A, name: 'pico-a', time: '1970-01-01T00:00:01.001Z', t_ms: 1001, seq: 1, rtt_ms: 8.25, firmware_us: 150, lost: false });
    expect(records[2]).toMatchObject({ record: 'message', direction: 'out', kind: 'text', text: 'a, "quoted"\nsecond line' });
    expect(records[2]).not.toHaveProperty('hex');
    expect(records[3]).toMatchObject({ record: 'sample', rtt_ms: null, lost: true });
    expect(records[4]).toMatchObject({ record: 'message', kind: 'data', hex: 'dead00' });
    expect(records[4]).not.toHaveProperty('text');
    expect(records[5]).toMatchObject({ record: 'throughput', octets: 2048, ms: 100, bytes_per_s: 20480 });
  });

  it('filters by device address, by name, by time range and by kind', async () => {
    writeMixed();
    const run = async (options: Omit<Parameters<typeof exportLog>[2], 'format'>) => {
      const out = path.join(dir, 'f.ndjson');
      await exportLog(dbFile, out, { format: 'ndjson', ...options });
      return ndjsonRecords(out).map((r) => `${r.record as string}@${r.t_ms as number}`);
    };
    expect(await run({ filter: { device: 'AA:BB:CC:DD:EE:02' } })).toEqual(['sample@1003', 'message@1004', 'event@1006']);
    expect(await run({ filter: { device: 'pico-a' } })).toEqual(['event@1000', 'sample@1001', 'message@1002', 'throughput@1005']);
    expect(await run({ filter: { from: 1002, to: 1005 } })).toEqual(['message@1002', 'sample@1003', 'message@1004']);
    expect(await run({ kinds: ['events', 'throughput'] })).toEqual(['event@1000', 'throughput@1005', 'event@1006']);
    expect(await run({ kinds: ['samples'], filter: { device: A, session: 1 } })).toEqual(['sample@1001']);
    expect(await run({ filter: { session: 2 } })).toEqual([]);
  });

  it('merges many rows of every kind in time order', async () => {
    const kinds = ['samples', 'messages', 'events', 'throughput'] as const;
    // Each kind's times are increasing but interleave irregularly with the others'.
    for (let i = 0; i < 4000; i++) {
      const t = (i * 7919) % 4000;
      switch (kinds[i % 4]!) {
        case 'samples':
          store.addSample({ device: A, seq: i, t, rttMs: 1, lost: false });
          break;
        case 'messages':
          store.addMessage({ device: A, t, direction: 'in', kind: 'text', body: `m${i}` });
          break;
        case 'events':
          store.addEvent({ device: A, t, state: 'connected' });
          break;
        case 'throughput':
          store.addThroughput({ device: A, t, octets: 1, ms: 1 });
          break;
      }
    }
    store.flush();
    const out = path.join(dir, 'all.csv');
    expect((await exportLog(dbFile, out, { format: 'csv' })).rows).toBe(4000);
    const times = csvRecords(out).map((r) => Number(r.t_ms));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(new Set(times).size).toBe(4000);
  });

  it('reports progress that only grows and ends at the total', async () => {
    for (let i = 0; i < 50_000; i++) store.addSample({ device: i % 2 ? A : B, seq: i, t: i, rttMs: i / 10, lost: false });
    store.addEvent({ device: A, t: 3, state: 'connected' });
    store.flush();
    const seen: ExportProgress[] = [];
    const result = await exportLog(dbFile, path.join(dir, 'p.csv'), { format: 'csv', onProgress: (p) => seen.push(p) });
    expect(result.rows).toBe(50_001);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.every((p) => p.total === 50_001)).toBe(true);
    expect(seen.every((p, i) => i === 0 || p.rows >= seen[i - 1]!.rows)).toBe(true);
    expect(seen.at(-1)).toEqual({ rows: 50_001, total: 50_001 });
  });

  it('removes the .part file and writes nothing when aborted', async () => {
    for (let i = 0; i < 50_000; i++) store.addSample({ device: A, seq: i, t: i, rttMs: 1, lost: false });
    store.flush();
    const out = path.join(dir, 'aborted.csv');
    const controller = new AbortController();
    const exporting = exportLog(dbFile, out, {
      format: 'csv',
      signal: controller.signal,
      onProgress: (p) => p.rows > 0 && controller.abort(),
    });
    // With no progress report before the end on a fast machine, abort on the first drain instead.
    setImmediate(() => controller.abort());
    await expect(exporting).rejects.toThrow(/abort/i);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.part`)).toBe(false);

    const already = AbortSignal.abort();
    await expect(exportLog(dbFile, out, { format: 'ndjson', signal: already })).rejects.toThrow(/abort/i);
    expect(readdirSync(dir).filter((f) => f.startsWith('aborted'))).toEqual([]);
  });

  it('exports a consistent snapshot while the store keeps writing', async () => {
    let seq = 0;
    const write = (n: number): void => {
      for (let i = 0; i < n; i++, seq++) store.addSample({ device: A, seq, t: seq, rttMs: 1, lost: false });
    };
    write(30_000);
    store.flush();
    // The hub goes on writing and committing between the exporter's chunks.
    const writer = setInterval(() => {
      write(500);
      store.flush();
    }, 1);
    try {
      const seen: ExportProgress[] = [];
      const out = path.join(dir, 'live.ndjson');
      const result = await exportLog(dbFile, out, { format: 'ndjson', kinds: ['samples'], onProgress: (p) => seen.push(p) });
      const records = ndjsonRecords(out);
      expect(records.length).toBe(result.rows);
      expect(result.rows).toBeGreaterThanOrEqual(30_000);
      expect(seen.at(-1)).toEqual({ rows: result.rows, total: result.rows });
      expect(records.every((r, i) => r.seq === i)).toBe(true);
    } finally {
      clearInterval(writer);
    }
    expect(seq).toBeGreaterThan(30_000);
    expect(store.counts().samples).toBe(seq);
  });

  it('names the file when the log does not exist, leaving no output behind', async () => {
    const out = path.join(dir, 'x.csv');
    await expect(exportLog(path.join(dir, 'missing.db'), out, { format: 'csv' })).rejects.toThrow(/missing\.db/);
    expect(existsSync(`${out}.part`)).toBe(false);
  });

  it('rejects when the output cannot be written, leaving nothing behind', async () => {
    writeMixed();
    const out = path.join(dir, 'no-such-dir', 'x.csv');
    await expect(exportLog(dbFile, out, { format: 'csv' })).rejects.toThrow(/ENOENT/);
    expect(existsSync(path.dirname(out))).toBe(false);
  });
});

describe('formatFromPath', () => {
  it('knows .csv, .ndjson and .jsonl in any case', () => {
    expect(formatFromPath('/tmp/a.csv')).toBe('csv');
    expect(formatFromPath('B.CSV')).toBe('csv');
    expect(formatFromPath('log.ndjson')).toBe('ndjson');
    expect(formatFromPath('log.JSONL')).toBe('ndjson');
    expect(formatFromPath('log.json')).toBeNull();
    expect(formatFromPath('csv')).toBeNull();
  });
});
