// What the log tells its owner instead of throwing: a failing disk, its recovery, rows lost at
// close, retention runs. The hub never sees these as exceptions (a write is only ever buffered);
// the CLI prints them and the app shows them as notices, each from the same words.
import type { PruneResult, RetentionPolicy } from './log-retention.ts';

export type LogWriteFailure = 'disk-full' | 'failed';

/** A commit failed; its rows are still buffered and tried again. */
export class LogWriteError extends Error {
  constructor(
    readonly file: string,
    readonly reason: LogWriteFailure,
    readonly buffered: number,
    cause: unknown,
  ) {
    super(`Writing ${buffered} rows to the log ${file} failed (${causeText(cause)}); they are kept in memory and retried.`, { cause });
    this.name = 'LogWriteError';
  }
}

export type LogNotice =
  /** Commits started failing (once per episode, however long it lasts). */
  | { kind: 'write-failed'; error: LogWriteError; maxBufferedBytes: number }
  /** Every row that waited is committed; `dropped` of the oldest were given up to bound memory. */
  | { kind: 'write-resumed'; file: string; written: number; dropped: number }
  /** close() could not commit what was waiting. */
  | { kind: 'rows-lost'; error: LogWriteError; dropped: number }
  | { kind: 'pruned'; file: string; result: PruneResult; policy: RetentionPolicy }
  | { kind: 'prune-failed'; file: string; error: Error };

export type NoticeLevel = 'info' | 'warning' | 'error';

const MB = 1e6;

function causeText(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

function mb(bytes: number): string {
  return `${(bytes / MB).toFixed(bytes < 10 * MB ? 1 : 0)} MB`;
}

export function describeLogNotice(n: LogNotice): { level: NoticeLevel; text: string } {
  switch (n.kind) {
    case 'write-failed': {
      const e = n.error;
      const what = e.reason === 'disk-full' ? `Log disk full: ${e.file} cannot grow` : `Writing the log ${e.file} failed`;
      return {
        level: 'error',
        text:
          `${what} (${causeText(e.cause)}). PicoLink keeps running: new rows wait in memory (up to ${mb(n.maxBufferedBytes)}, ` +
          `then the oldest are dropped and counted) and are written as soon as ${e.reason === 'disk-full' ? 'space is freed' : 'writing works again'}.`,
      };
    }
    case 'write-resumed':
      return {
        level: n.dropped ? 'warning' : 'info',
        text: `The log ${n.file} is written again: ${n.written} waiting rows saved${n.dropped ? `; ${n.dropped} of the oldest were dropped while it could not be written` : ''}.`,
      };
    case 'rows-lost':
      return {
        level: 'error',
        text: `${n.error.buffered} rows could not be written to the log ${n.error.file} before it closed (${causeText(n.error.cause)})${n.dropped ? `, and ${n.dropped} had been dropped before` : ''}; they are lost.`,
      };
    case 'pruned': {
      const { result: r, policy: p } = n;
      const why = r.bySize ? `to keep it under ${mb(p.maxBytes)}` : `older than ${p.maxAgeDays} days`;
      return {
        level: 'info',
        text: `Log retention: removed ${r.rows} rows and ${r.sessions} sessions ${why} from ${n.file} (${mb(r.bytesBefore)} → ${mb(r.bytesAfter)}).`,
      };
    }
    case 'prune-failed':
      return { level: 'warning', text: `Log retention could not run on ${n.file} (${n.error.message}); it is tried again later.` };
  }
}
