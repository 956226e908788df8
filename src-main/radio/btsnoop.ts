// btsnoop capture, the format Wireshark and btmon read. Datalink 1002 = HCI UART (H4), so each
// record is the H4 packet with its indicator. All fields big-endian.
//
// The radio must never wait on its own disk: a synchronous write per packet stops the event loop
// for as long as the file system makes it wait (a journal commit on a busy disk, dirty-page
// throttling, a FIFO that Wireshark reads slowly), and every host's bytes wait with it. Records
// are stamped when the packet passes, queued in memory and written in order by one asynchronous
// write at a time, batched over BATCH_DELAY_MS (a write per packet through the thread pool cost
// half again the radio's CPU at 200 records/s). flush() and close() write at once; close()
// resolves once the tail is on disk. Past a bound (a disk that has stopped) records are dropped
// and counted in the format's own cumulative-drops field.
import { close as closeFd, openSync, writev } from 'node:fs';
import { HCI_COMMAND_PKT, HCI_EVENT_PKT } from '../hci/constants.ts';

const BTSNOOP_MAGIC = Buffer.from('btsnoop\0', 'latin1');
const BTSNOOP_VERSION = 1;
const BTSNOOP_DATALINK_H4 = 1002;
/** Microseconds from 0000-01-01 to 1970-01-01, the btsnoop epoch offset. */
const EPOCH_OFFSET_US = 0x00dcddb30f2f8000n;
const RECORD_HEADER_LENGTH = 24;
/** Records held for a disk that does not keep up before they are dropped. */
export const DEFAULT_MAX_PENDING_BYTES = 16 * 1024 * 1024;
/** Buffers handed to one writev (IOV_MAX is 1024 on Linux and macOS). */
const MAX_BUFFERS_PER_WRITE = 1024;
/** How long a record may wait for others to share its write, unless this much is waiting. */
const BATCH_DELAY_MS = 20;
const BATCH_BYTES = 64 * 1024;

export type Direction = 'host-to-controller' | 'controller-to-host';

export interface BtsnoopOptions {
  maxPendingBytes?: number;
  /** A write failed (disk full, I/O error): the capture stops there. Called once. */
  onError?: (error: Error) => void;
}

export class BtsnoopWriter {
  private fd: number | null;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private writing = false;
  private batchTimer: NodeJS.Timeout | null = null;
  private drops = 0;
  private accepting = true;
  private closing: Promise<void> | null = null;
  private idle: (() => void)[] = [];
  private readonly maxPendingBytes: number;

  /** Opens (truncates) the file at once, so a bad path fails here, where the caller can say so. */
  constructor(
    readonly path: string,
    private readonly options: BtsnoopOptions = {},
  ) {
    this.maxPendingBytes = options.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES;
    this.fd = openSync(path, 'w');
    const header = Buffer.alloc(16);
    BTSNOOP_MAGIC.copy(header, 0);
    header.writeUInt32BE(BTSNOOP_VERSION, 8);
    header.writeUInt32BE(BTSNOOP_DATALINK_H4, 12);
    this.push(header);
  }

  /** Records dropped because the disk did not keep up. */
  get dropped(): number {
    return this.drops;
  }

  record(direction: Direction, h4: Uint8Array, timeMs = Date.now()): void {
    if (!this.accepting) return;
    if (this.pendingBytes + RECORD_HEADER_LENGTH + h4.length > this.maxPendingBytes) {
      this.drops++;
      return;
    }
    const rec = Buffer.alloc(RECORD_HEADER_LENGTH + h4.length);
    rec.writeUInt32BE(h4.length, 0);
    rec.writeUInt32BE(h4.length, 4);
    const indicator = h4[0];
    const isCommandOrEvent = indicator === HCI_COMMAND_PKT || indicator === HCI_EVENT_PKT;
    // Flags bit 0: 0 sent (host to controller), 1 received; bit 1: command/event rather than data.
    rec.writeUInt32BE((direction === 'controller-to-host' ? 1 : 0) | (isCommandOrEvent ? 2 : 0), 8);
    rec.writeUInt32BE(this.drops, 12);
    rec.writeBigUInt64BE(BigInt(Math.round(timeMs * 1000)) + EPOCH_OFFSET_US, 16);
    rec.set(h4, RECORD_HEADER_LENGTH);
    this.push(rec);
  }

  /** Resolves when everything recorded so far has been written (or the capture has failed). */
  flush(): Promise<void> {
    if (!this.writing && this.pending.length === 0) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.idle.push(resolve));
    this.pump();
    return done;
  }

  /** Stops recording, writes the tail, closes the file. Safe to call more than once. */
  close(): Promise<void> {
    this.accepting = false;
    this.closing ??= this.flush().then(
      () =>
        new Promise<void>((resolve) => {
          const fd = this.fd;
          this.fd = null;
          if (fd === null) return resolve();
          closeFd(fd, () => resolve());
        }),
    );
    return this.closing;
  }

  private push(buffer: Buffer): void {
    this.pending.push(buffer);
    this.pendingBytes += buffer.length;
    this.schedule();
  }

  private schedule(): void {
    if (this.pendingBytes >= BATCH_BYTES || this.idle.length > 0) this.pump();
    else this.batchTimer ??= setTimeout(() => this.pump(), BATCH_DELAY_MS);
  }

  /** One write in flight at a time keeps the records in order; each takes all that is pending. */
  private pump(): void {
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.batchTimer = null;
    if (this.writing || this.fd === null) return;
    if (this.pending.length === 0) {
      for (const resolve of this.idle.splice(0)) resolve();
      return;
    }
    const batch = this.pending.splice(0, MAX_BUFFERS_PER_WRITE);
    const size = batch.reduce((n, b) => n + b.length, 0);
    this.writing = true;
    writev(this.fd, batch, (error, written) => {
      this.writing = false;
      if (error) return this.fail(error);
      this.pendingBytes -= written;
      if (written < size) this.pending.unshift(...unwritten(batch, written));
      if (this.pending.length > 0) this.schedule();
      else this.pump();
    });
  }

  private fail(error: Error): void {
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.batchTimer = null;
    this.accepting = false;
    this.pending = [];
    this.pendingBytes = 0;
    const fd = this.fd;
    this.fd = null;
    // Its own error, if any, adds nothing to the one that brought us here.
    if (fd !== null) closeFd(fd, () => undefined);
    this.options.onError?.(error);
    for (const resolve of this.idle.splice(0)) resolve();
  }
}

/** What a short write left of `batch`, from the first byte not written. */
function unwritten(batch: Buffer[], written: number): Buffer[] {
  let skip = written;
  const rest: Buffer[] = [];
  for (const b of batch) {
    if (skip >= b.length) skip -= b.length;
    else {
      rest.push(skip > 0 ? b.subarray(skip) : b);
      skip = 0;
    }
  }
  return rest;
}
