// A virtual Pico's watchdog, as the RP2040's: a countdown that resets the board unless firmware
// feeds it in time. It runs in the main thread, so it fires even when the firmware is stuck in a
// Python loop that never returns to JavaScript; the worker only records when it was last fed,
// in shared memory, which costs a feed no message.

/** Index in a BigInt64Array over the shared memory: when last fed, in microseconds since 1970. */
const FED_AT_US = 0;

/** The shared word a board's worker writes on each feed. */
export function createWatchdogMemory(): SharedArrayBuffer {
  return new SharedArrayBuffer(BigInt64Array.BYTES_PER_ELEMENT);
}

/** Both threads' clocks agree on timeOrigin + now() to well under a millisecond. */
function nowUs(): number {
  return (performance.timeOrigin + performance.now()) * 1000;
}

/** Worker side: the firmware fed the watchdog (WDT.feed, or WDT() starting it). */
export function feedWatchdog(memory: BigInt64Array): void {
  Atomics.store(memory, FED_AT_US, BigInt(Math.round(nowUs())));
}

/** Main-thread side: checks the fed time when the countdown would end, and calls onExpire if it did. */
export class Watchdog {
  private readonly fedAt: BigInt64Array;
  private timeout = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly memory: SharedArrayBuffer,
    private readonly onExpire: () => void,
  ) {
    this.fedAt = new BigInt64Array(memory);
  }

  get running(): boolean {
    return this.timer !== null;
  }

  get timeoutMs(): number {
    return this.timeout;
  }

  /** Starts (or restarts, with a new timeout) the countdown from the last feed. */
  start(timeoutMs: number): void {
    this.stop();
    this.timeout = timeoutMs;
    this.check();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private readonly check = (): void => {
    const leftMs = (Number(Atomics.load(this.fedAt, FED_AT_US)) - nowUs()) / 1000 + this.timeout;
    if (leftMs <= 0) {
      this.timer = null;
      this.onExpire();
      return;
    }
    // Woken once per timeout at most, however often the firmware feeds.
    this.timer = setTimeout(this.check, Math.ceil(leftMs));
    this.timer.unref();
  };
}
