// The board's USB CDC receive buffer: octets from the host (main thread) to the board's worker
// through shared memory, so a worker busy in WebAssembly can still look at them (for Ctrl-C).
// Layout: Int32 [0] octets written so far, [1] octets read so far; then RING_BYTES of data.
const HEADER_BYTES = 8;
export const RING_BYTES = 64 * 1024; // a power of two: indices are masked

export function createUsbInput(): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER_BYTES + RING_BYTES);
}

/** The host's side: writes what fits, returns how many octets it took. */
export function writeUsbInput(buf: SharedArrayBuffer, bytes: Uint8Array): number {
  const ctl = new Int32Array(buf, 0, 2);
  const data = new Uint8Array(buf, HEADER_BYTES);
  const written = Atomics.load(ctl, 0);
  const room = RING_BYTES - (written - Atomics.load(ctl, 1));
  const n = Math.min(room, bytes.length);
  for (let i = 0; i < n; i++) data[(written + i) & (RING_BYTES - 1)] = bytes[i]!;
  Atomics.store(ctl, 0, (written + n) | 0); // wraps as int32; indices mask it
  return n;
}

/** The board's side. */
export class UsbInputReader {
  private readonly ctl: Int32Array;
  private readonly data: Uint8Array;
  constructor(buf: SharedArrayBuffer) {
    this.ctl = new Int32Array(buf, 0, 2);
    this.data = new Uint8Array(buf, HEADER_BYTES);
  }

  get available(): boolean {
    return Atomics.load(this.ctl, 0) !== Atomics.load(this.ctl, 1);
  }

  /** Takes every octet waiting. */
  take(): number[] {
    const written = Atomics.load(this.ctl, 0);
    let read = Atomics.load(this.ctl, 1);
    const out: number[] = [];
    for (; read !== written; read = (read + 1) | 0) out.push(this.data[read & (RING_BYTES - 1)]!);
    Atomics.store(this.ctl, 1, read);
    return out;
  }
}
