// When a long-running command (radio, sim, hub) must stop, and the bound on how long stopping may
// take. A command stops on Ctrl-C (SIGINT), SIGTERM, SIGHUP (its terminal went away, or a
// supervisor asks), and, if its standard input is a pipe or a socket from a parent process, when
// that closes: a parent that dies without killing its child closes the pipe, and the child must
// not outlive it (seen: `picolink radio` and `picolink sim` left running by a killed parent).
// Standard input from a terminal or /dev/null ends for other reasons and stops nothing.
import { fstatSync } from 'node:fs';

export type StopReason = 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'end of standard input';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** How long a stop may take before the process exits regardless. */
export const STOP_LIMIT_MS = 5_000;

/**
 * Calls `stop` once, on the first signal. Our listeners go on that first signal, so a second
 * Ctrl-C gets the default action and ends a stop that hangs. Returns a function that removes them.
 */
export function onStopSignal(stop: (reason: StopReason) => void): () => void {
  const listeners = SIGNALS.map((signal) => {
    const listener = (): void => {
      remove();
      stop(signal);
    };
    process.on(signal, listener);
    return [signal, listener] as const;
  });
  const remove = (): void => {
    for (const [signal, listener] of listeners) process.off(signal, listener);
  };
  return remove;
}

/**
 * Listens from now on, so that a signal that comes while the command starts up is neither lost
 * nor given the default action (which would leave its links behind); `handle` gets the stop
 * function once the command is ready, and calls it at once for a signal that came before.
 */
export function stopSignals(): { handle(stop: (reason: StopReason) => void): void; remove(): void } {
  let early: StopReason | null = null;
  let target: ((reason: StopReason) => void) | null = null;
  const remove = onStopSignal((reason) => {
    if (target) target(reason);
    else early = reason;
  });
  return {
    handle: (stop) => {
      target = stop;
      if (early) stop(early);
    },
    remove,
  };
}

/** True when standard input is a pipe or a socket, as a parent process gives its child. */
export function stdinIsPipe(): boolean {
  try {
    const st = fstatSync(0);
    return st.isFIFO() || st.isSocket();
  } catch {
    return false; // no standard input at all
  }
}

/**
 * Once stopping: output to a terminal or parent that has gone (SIGHUP, a killed parent) fails with
 * EIO or EPIPE, and an unhandled stream error would end the process before it has closed its links
 * and written its captures' tails. Such output is lost anyway; the stop goes on. And a stop that
 * something holds up ends after STOP_LIMIT_MS, with the code already decided or 1.
 */
export function boundStop(what: string): void {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  setTimeout(() => {
    process.stderr.write(`warning: ${what} still running ${STOP_LIMIT_MS} ms after it was told to stop; exiting\n`);
    process.exit(process.exitCode ?? 1);
  }, STOP_LIMIT_MS).unref();
}
