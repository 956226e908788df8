import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LogFileUnreadableError, LogStore, LogStoreClosedError, NoSessionError } from '../../src-main/hub/store/database.ts';
import { iterateRows } from '../../src-main/hub/store/log-query.ts';
import { ForeignDatabaseError, LogSchemaVersionError, SCHEMA_VERSION } from '../../src-main/hub/store/log-schema.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WRITER = path.join(ROOT, 'test', 'hub', 'fixtures', 'log-writer.ts');
const A = 'aa:bb:cc:dd:ee:01';

let dir: string;
let file: string;
const open: LogStore[] = [];

function openStore(options?: Parameters<typeof LogStore.open>[1]): LogStore {
  const store = LogStore.open(file, options);
  open.push(store);
  return store;
}

/** Reads the file through a connection of its own, as another process would. */
function readAll<T>(sql: string): T[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'picolink-log-'));
  file = path.join(dir, 'log.db');
});

afterEach(() => {
  for (const s of open.splice(0)) s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('LogStore', () => {
  it('round-trips each kind of record', () => {
    const store = openStore();
    const session = store.startSession({ app: 'test' }, 1000);
    store.addSample({ device: 'AA:BB:CC:DD:EE:01', name: 'pico-1', seq: 3, t: 1000.25, rttMs: 8.5, firmwareUs: 140, lost: false });
    store.addSample({ device: A, name: 'pico-1', seq: 4, t: 1001, rttMs: null, lost: true });
    store.addMessage({ device: A, name: 'pico-1', t: 1002, direction: 'out', kind: 'text', body: 'héllo, "world"' });
    store.addMessage({ device: A, name: null, t: 1003, direction: 'in', kind: 'data', body: new Uint8Array([0, 1, 0xff]) });
    store.addEvent({ device: A, name: 'pico-1', t: 1004, state: 'connected', reason: null });
    store.addThroughput({ device: A, name: 'pico-1', t: 1005, octets: 4096, ms: 250, bytesPerSecond: 16384 });
    store.flush();

    const db = new Database(file, { readonly: true });
    try {
      expect([...iterateRows(db, 'samples')]).toEqual([
        { session_id: session, device: A, name: 'pico-1', seq: 3, t: 1000.25, rtt_ms: 8.5, firmware_us: 140, lost: 0 },
        { session_id: session, device: A, name: 'pico-1', seq: 4, t: 1001, rtt_ms: null, firmware_us: null, lost: 1 },
      ]);
      const messages = [...iterateRows(db, 'messages')];
      expect(messages.map((m) => [m.direction, m.kind, m.name])).toEqual([['out', 'text', 'pico-1'], ['in', 'data', null]]);
      expect(messages[0]!.body.toString('utf8')).toBe('héllo, "world"');
      expect([...messages[1]!.body]).toEqual([0, 1, 0xff]);
      expect([...iterateRows(db, 'events')]).toEqual([{ session_id: session, device: A, name: 'pico-1', t: 1004, state: 'connected', reason: null }]);
      expect([...iterateRows(db, 'throughput')]).toEqual([
        { session_id: session, device: A, name: 'pico-1', t: 1005, octets: 4096, ms: 250, bytes_per_s: 16384 },
      ]);
    } finally {
      db.close();
    }
    expect(store.counts()).toEqual({ samples: 2, messages: 2, events: 1, throughput: 1 });
    expect(store.counts({ device: 'AA:BB:CC:DD:EE:01', from: 1001, to: 1004 })).toEqual({ samples: 1, messages: 2, events: 0, throughput: 0 });
  });

  it('copies a message body, so the caller may reuse its buffer', () => {
    const store = openStore();
    store.startSession({});
    const bytes = new Uint8Array([1, 2, 3]);
    store.addMessage({ device: A, t: 1, direction: 'in', kind: 'data', body: bytes });
    bytes.fill(9);
    store.flush();
    expect(readAll<{ body: Buffer }>('SELECT body FROM messages')[0]!.body).toEqual(Buffer.from([1, 2, 3]));
  });

  it('keeps rows in memory until a flush, then commits them all', () => {
    const store = openStore({ flushMs: 60_000 });
    store.startSession({});
    for (let seq = 0; seq < 100; seq++) store.addSample({ device: A, seq, t: seq, rttMs: 1, lost: false });
    expect(readAll('SELECT * FROM samples')).toHaveLength(0);
    store.flush();
    expect(readAll('SELECT * FROM samples')).toHaveLength(100);
  });

  it('commits on its timer, and at once when a buffer is full', async () => {
    const timed = openStore({ flushMs: 20 });
    timed.startSession({});
    timed.addEvent({ device: A, t: 1, state: 'connecting' });
    expect(readAll('SELECT * FROM events')).toHaveLength(0);
    await expect.poll(() => readAll('SELECT * FROM events'), { timeout: 100, interval: 10 }).toHaveLength(1);
    timed.close();

    const batched = openStore({ flushMs: 60_000, batchRows: 10 });
    batched.startSession({});
    for (let seq = 0; seq < 25; seq++) batched.addSample({ device: A, seq, t: seq, rttMs: 1, lost: false });
    expect(readAll('SELECT * FROM samples')).toHaveLength(20);
  });

  it('keeps rows and sessions across a reopen', () => {
    const first = openStore();
    first.startSession({ run: 1 }, 100);
    first.addSample({ device: A, seq: 1, t: 150, rttMs: 5, lost: false });
    first.close();

    const second = openStore();
    expect(second.sessions()).toEqual([{ id: 1, startedAt: 100, endedAt: expect.any(Number), meta: { run: 1 } }]);
    second.startSession({ run: 2 }, 200);
    second.addSample({ device: A, seq: 1, t: 250, rttMs: 6, lost: false });
    expect(second.counts()).toEqual({ samples: 2, messages: 0, events: 0, throughput: 0 });
    expect(second.counts({ session: 2 }).samples).toBe(1);
    const sessions = second.sessions();
    expect(sessions.map((s) => [s.id, s.meta, s.endedAt])).toEqual([[1, { run: 1 }, sessions[0]!.endedAt], [2, { run: 2 }, null]]);
    second.endSession(300);
    expect(second.sessions()[1]!.endedAt).toBe(300);
  });

  it('leaves the file in WAL mode, so readers never block the writer', () => {
    const store = openStore();
    store.close();
    const db = new Database(file);
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
  });

  it('refuses a file written by a newer schema', () => {
    const db = new Database(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => LogStore.open(file)).toThrow(LogSchemaVersionError);
  });

  it('refuses a SQLite database that is not a PicoLink log', () => {
    const db = new Database(file);
    db.exec('CREATE TABLE samples (x)');
    db.close();
    expect(() => LogStore.open(file)).toThrow(ForeignDatabaseError);
  });

  it('refuses a file that is not a database, naming it and leaving it untouched', () => {
    const text = 'these are my notes, not a database\n'.repeat(200);
    writeFileSync(file, text);
    let error: unknown;
    try {
      LogStore.open(file);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LogFileUnreadableError);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toContain('is not a SQLite database');
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('throws clear errors for writes without a session and after close', () => {
    const store = openStore();
    expect(() => store.addEvent({ device: A, t: 1, state: 'x' })).toThrow(NoSessionError);
    store.startSession({});
    store.close();
    store.close(); // idempotent
    expect(store.closed).toBe(true);
    expect(() => store.addSample({ device: A, seq: 1, t: 1, rttMs: 1, lost: false })).toThrow(LogStoreClosedError);
    expect(() => store.addMessage({ device: A, t: 1, direction: 'in', kind: 'text', body: 'x' })).toThrow(/is closed/);
    expect(() => store.counts()).toThrow(LogStoreClosedError);
    expect(() => store.startSession({})).toThrow(LogStoreClosedError);
  });

  it('close() commits buffered rows and ends the session', () => {
    const store = openStore({ flushMs: 60_000 });
    store.startSession({});
    store.addThroughput({ device: A, t: 5, octets: 10, ms: 1 });
    store.close();
    expect(readAll('SELECT * FROM throughput')).toHaveLength(1);
    expect(readAll<{ ended_at: number | null }>('SELECT ended_at FROM sessions')[0]!.ended_at).not.toBeNull();
  });

  it('loses at most the last second of rows when its process is killed with SIGKILL', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const reports: { seq: number; t: number }[] = [];
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      for (const line of s.split('\n')) {
        const [seq, t] = line.split(' ').map(Number);
        if (line && seq! >= 0) reports.push({ seq: seq!, t: t! });
      }
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    // The child needs a moment to start (tsx compiles it); count 1.5 s from its first report.
    await vi.waitFor(() => {
      if (child.exitCode === null) expect(reports.length, `the writer never reported; stderr: ${stderr}`).toBeGreaterThan(0);
    }, { timeout: 15_000, interval: 20 });
    expect(reports.length, `the writer never reported; stderr: ${stderr}`).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1500));
    const killedAt = Date.now();
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const rows = readAll<{ seq: number; t: number }>('SELECT seq, t FROM samples ORDER BY seq');
    // Rows are committed in order, so what survived is a gap-free prefix.
    expect(rows.every((r, i) => r.seq === i)).toBe(true);
    // Every sample the child had written over a second before the kill is there.
    const settled = reports.filter((r) => r.t < killedAt - 1000).at(-1);
    expect(settled, 'the writer reported nothing older than a second').toBeDefined();
    expect(rows.length).toBeGreaterThan(settled!.seq);
    expect(rows.at(-1)!.t).toBeGreaterThanOrEqual(killedAt - 1000);
    // And it was really writing about one row per millisecond, not a trickle.
    expect(rows.length).toBeGreaterThan(500);
  });
});
