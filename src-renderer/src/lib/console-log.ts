// The console's messages: one bounded, time-ordered list across devices, with the history a
// device reports merged in without duplicates, and the filter the console box applies.
import type { HistoryEntryView, MessageBody } from '../../../src-main/ipc/contract.ts';
import { formatHex, hexToAscii } from './hex.ts';

export interface LogLine {
  /** Unique and stable for the page's life: the console list's key. */
  id: number;
  address: string;
  at: number;
  /** 'board': a line a simulated board printed on its console (its USB REPL), not a message. */
  direction: 'in' | 'out' | 'board';
  body: MessageBody;
  /** The board's name, for 'board' lines. */
  board?: string;
}

let nextId = 1;

export function lineOf(address: string, entry: HistoryEntryView): LogLine {
  return { id: nextId++, address, at: entry.at, direction: entry.direction, body: entry.body };
}

/** A line a simulated board printed (the board.console event). */
export function boardLine(address: string, board: string, at: number, text: string): LogLine {
  return { id: nextId++, address, at, direction: 'board', body: { kind: 'text', text }, board };
}

/** The same message: a device's history repeats what live events already showed. */
function sameMessage(a: LogLine, b: LogLine): boolean {
  if (a.at !== b.at || a.address !== b.address || a.direction !== b.direction) return false;
  // Printed lines come once, from one event (no history repeats them): equal ones are each a line.
  if (a.direction === 'board') return false;
  const x = a.body;
  const y = b.body;
  return x.kind === 'text' ? y.kind === 'text' && x.text === y.text : y.kind === 'data' && x.hex === y.hex;
}

/** Whether the time-ordered `log` holds `line`'s message: only lines of the same time can. */
function holds(log: readonly LogLine[], line: LogLine): boolean {
  let lo = 0;
  let hi = log.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (log[mid]!.at < line.at) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < log.length && log[i]!.at === line.at; i++) if (sameMessage(log[i]!, line)) return true;
  return false;
}

/** What the console prints for a body. */
export function bodyText(body: MessageBody): string {
  return body.kind === 'text' ? body.text : `${formatHex(body.hex)}  |${hexToAscii(body.hex)}|`;
}

/**
 * Adds lines to a log kept in time order and at most `limit` long (oldest dropped), skipping
 * lines already there. Returns a new array (for a reactive store) and leaves `log` untouched.
 */
export function mergeLines(log: readonly LogLine[], lines: readonly LogLine[], limit: number): LogLine[] {
  const fresh: LogLine[] = [];
  for (const l of lines) if (!holds(log, l) && !fresh.some((f) => sameMessage(f, l))) fresh.push(l);
  if (fresh.length === 0) return log.slice(-limit);
  const last = log[log.length - 1];
  let out: LogLine[];
  if (fresh.every((l) => l.at >= (last?.at ?? -Infinity)) && isSorted(fresh)) {
    out = log.concat(fresh);
  } else {
    // Stable by time: equal times keep arrival order.
    out = log.concat(fresh).map((l, i) => ({ l, i })).sort((a, b) => a.l.at - b.l.at || a.i - b.i).map((x) => x.l);
  }
  return out.length > limit ? out.slice(out.length - limit) : out;
}

function isSorted(lines: readonly LogLine[]): boolean {
  for (let i = 1; i < lines.length; i++) if (lines[i]!.at < lines[i - 1]!.at) return false;
  return true;
}

/** The lines for one device (or 'all') whose text, hex or device name contains `filter` (case-insensitive). */
export function filterLines(log: readonly LogLine[], device: string, filter: string, nameOf: (address: string) => string = (a) => a): LogLine[] {
  const f = filter.trim().toLowerCase();
  return log.filter((l) => {
    if (device !== 'all' && l.address !== device) return false;
    if (f === '') return true;
    if (bodyText(l.body).toLowerCase().includes(f)) return true;
    if (l.body.kind === 'data' && l.body.hex.includes(f.replace(/[\s:]/g, ''))) return true;
    return nameOf(l.address).toLowerCase().includes(f) || l.address.includes(f);
  });
}
