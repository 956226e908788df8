// Waiting on a virtual Pico's console, for the tests that read it.
import type { VirtualPico } from '../../src-main/pico/board.ts';

/** Resolves with the first console line (already printed or still to come) matching `pattern`. */
export function waitConsole(p: VirtualPico, pattern: RegExp, timeoutMs = 20_000): Promise<string> {
  const seen = p.console.find((l) => pattern.test(l));
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      p.off('console', on);
      reject(new Error(`${p.name}: no console line ${pattern} in ${timeoutMs} ms; got:\n${p.console.join('\n')}`));
    }, timeoutMs);
    const on = (line: string): void => {
      if (!pattern.test(line)) return;
      clearTimeout(t);
      p.off('console', on);
      resolve(line);
    };
    p.on('console', on);
  });
}

/** bytes as MicroPython prints them, e.g. a board's BD_ADDR printed with bytes(addr). */
export function pyBytes(b: Uint8Array): string {
  let s = "b'";
  for (const x of b) {
    if (x === 0x27) s += "\\'";
    else if (x === 0x5c) s += '\\\\';
    else if (x >= 0x20 && x < 0x7f) s += String.fromCharCode(x);
    else s += `\\x${x.toString(16).padStart(2, '0')}`;
  }
  return `${s}'`;
}
