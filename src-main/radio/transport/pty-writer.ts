// Writes H4 packets to a pty master without ever blocking or spinning the event loop.
//
// Why not the tty stream's own write: libuv cannot reopen a pty master as it does a slave, so
// uv_tty_init falls back to "blocking writes" for it (UV_HANDLE_BLOCKING_WRITES), while node-pty
// opened the master O_NONBLOCK. When a host stops reading and the kernel's buffer (about 68 KB on
// Linux) fills, uv__write gets EAGAIN and, being in blocking mode, retries at once, forever, inside
// one callback: 125k failing write() calls per 3 s, no timers, no signal handlers, so SIGTERM was
// ignored. Here each write is one non-blocking write(); what does not fit waits in a bounded queue
// and is retried on a timer that backs off; past the bound whole packets are dropped and counted
// (never part of one, so the host's H4 framing survives).
import { writeSync } from 'node:fs';

/** What the queue holds beyond the kernel's own buffer before packets are dropped. */
export const DEFAULT_MAX_QUEUED_BYTES = 256 * 1024;
const FIRST_RETRY_MS = 1;
/** A host that does not read costs at most this many write() calls per second. */
const MAX_RETRY_MS = 50;

export interface PtyWriterStats {
  queuedBytes: number;
  droppedPackets: number;
  droppedBytes: number;
}

export interface PtyWriterOptions {
  maxQueuedBytes?: number;
  /** Called when the queue first overflows, and again when the host has read it all. */
  onBacklog?: (dropping: boolean, stats: PtyWriterStats) => void;
}

export class PtyWriter {
  private readonly queue: Uint8Array[] = [];
  private queuedBytes = 0;
  private droppedPackets = 0;
  private droppedBytes = 0;
  private dropping = false;
  private retryMs = FIRST_RETRY_MS;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly maxQueuedBytes: number;

  /** `fd` must be non-blocking (node-pty opens the master so); a blocking fd would stall here. */
  constructor(
    private readonly fd: number,
    private readonly options: PtyWriterOptions = {},
  ) {
    this.maxQueuedBytes = options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
  }

  get stats(): PtyWriterStats {
    return { queuedBytes: this.queuedBytes, droppedPackets: this.droppedPackets, droppedBytes: this.droppedBytes };
  }

  /** Sends one whole packet, now if the kernel takes it, later if not, or drops it past the bound. */
  write(packet: Uint8Array): void {
    if (this.closed) return;
    if (this.queue.length === 0) {
      const written = this.tryWrite(packet);
      if (written === packet.length || this.closed) return;
      this.enqueue(packet.subarray(Math.max(0, written)));
      this.schedule();
      return;
    }
    if (this.queuedBytes + packet.length > this.maxQueuedBytes) {
      this.droppedPackets++;
      this.droppedBytes += packet.length;
      if (!this.dropping) {
        this.dropping = true;
        this.options.onBacklog?.(true, this.stats);
      }
      return;
    }
    this.enqueue(packet);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.queue.length = 0;
    this.queuedBytes = 0;
  }

  /** Bytes the kernel took: -1 when it took none for want of room, and on any other error too. */
  private tryWrite(bytes: Uint8Array): number {
    try {
      return writeSync(this.fd, bytes);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // EIO/EBADF: the pty is going away; the port's close() follows and discards the queue.
      if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK' && code !== 'EINTR') this.close();
      return -1;
    }
  }

  private enqueue(bytes: Uint8Array): void {
    this.queue.push(bytes);
    this.queuedBytes += bytes.length;
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => this.drain(), this.retryMs);
    // A retry alone must not keep the process alive: the pty's read stream does while it is open.
    this.timer.unref();
  }

  private drain(): void {
    this.timer = null;
    while (this.queue.length > 0 && !this.closed) {
      const head = this.queue[0]!;
      const written = this.tryWrite(head);
      if (written > 0) this.queuedBytes -= written;
      if (written === head.length) {
        this.queue.shift();
        continue;
      }
      if (written > 0) this.queue[0] = head.subarray(written);
      // The kernel is full: wait longer each time the host still has not read.
      this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
      this.schedule();
      return;
    }
    this.retryMs = FIRST_RETRY_MS;
    if (this.dropping && !this.closed) {
      this.dropping = false;
      this.options.onBacklog?.(false, this.stats);
    }
  }
}
