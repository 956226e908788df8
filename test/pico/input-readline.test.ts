// input() edits its line with the friendly REPL's editor and history, as on a board:
// py/modbuiltins.c mp_builtin_input prints its prompt and calls mp_hal_readline(&line, ""), which is
// shared/readline/readline.c readline (readline_init + readline_process_char, the REPL's own), so
// Enter pushes the line on the one history (readline_push_history) and Up recalls REPL lines and
// input() lines alike; readline returns CHAR_CTRL_C (KeyboardInterrupt) or, on an empty line,
// CHAR_CTRL_D (EOFError). Driven through runRepl with a fake board whose exec runs input() as
// board-worker.ts does (inputLine on the boot's Readline).
import { describe, expect, it } from 'vitest';
import { CHAR_CTRL_C, CHAR_CTRL_D, inputLine } from '../../src-main/pico/readline.ts';
import { replReadline, runRepl, type ReplEnv } from '../../src-main/pico/usb-repl.ts';

const BANNER = 'MicroPython v1.27.0 on 2025-12-10; Raspberry Pi Pico W with RP2040\r\nType "help()" for more information.\r\n';
const UP = '\x1b[A';
const LEFT = '\x1b[D';
const HOME = '\x1b[H';

/**
 * One boot typing `keys`; a statement `input:NAME` runs input("n? ") into NAME (the prompt printed
 * as mp_obj_print prints it); the result of each input() is kept.
 */
async function boot(keys: string): Promise<{ out: string; got: Record<string, string | number> }> {
  const octets = [...keys].map((c) => c.charCodeAt(0));
  let next = 0;
  let out = '';
  const got: Record<string, string | number> = {};
  const env: ReplEnv = {
    write: (b) => {
      out += typeof b === 'string' ? b : String.fromCharCode(...b);
    },
    print: (text) => {
      out += text.replaceAll('\n', '\r\n');
    },
    read: () => (next < octets.length ? Promise.resolve(octets[next++]!) : Promise.reject(new Error(`input ended; sent so far: ${JSON.stringify(out)}`))),
    exec: (source) => {
      const m = /^input:(\w+)$/.exec(source);
      if (m) {
        out += 'n? ';
        got[m[1]!] = inputLine(rl, () => {
          if (next >= octets.length) throw new Error(`input ended in input(); sent so far: ${JSON.stringify(out)}`);
          return octets[next++]!;
        });
      }
      return null;
    },
    complete: (words) => (words.length === 0 ? ['__name__', 'machine', 'x'] : null),
    softReset: () => {},
  };
  const rl = replReadline(env);
  await runRepl(env, 'friendly', rl);
  expect(out.startsWith(BANNER)).toBe(true);
  return { out: out.slice(BANNER.length), got };
}

describe('input() on the REPL line editor', () => {
  it('recalls REPL lines with Up, edits with the cursor keys, and the REPL then recalls the input() line', async () => {
    const { out, got } = await boot(`print(123)\rinput:a\r${UP}${UP}${LEFT}${LEFT}4\r${UP}\x03\x04`);
    expect(got.a).toBe('print(1243)');
    expect(out).toBe(
      '>>> print(123)\r\n>>> input:a\r\n' +
        // input()'s readline has the prompt "": the first Up is the statement that called input(),
        // the second the one before (back 7 is ESC [ 7 D), then Left Left and an insert.
        'n? input:a\x1b[7Dprint(123)\b\b43)\b\b\r\n' +
        // Up at the REPL: the input() line, newest in the one history.
        '>>> print(1243)\r\n>>> \r\nMPY: soft reboot\r\n',
    );
  });

  it('ends with Ctrl-C, with Ctrl-D only on an empty line, and completes with Tab', async () => {
    const { out, got } = await boot(`input:a\r\x03input:b\r\x04input:c\r\x01input:d\r1x${HOME}\x04\rinput:e\r mach\t\r\x04`);
    expect(got).toEqual({ a: CHAR_CTRL_C, b: CHAR_CTRL_D, c: '', d: 'x', e: ' machine' });
    // Nothing echoed for Ctrl-C, Ctrl-D or Ctrl-A on an empty line (readline_process_char returns
    // them); Ctrl-D on a line deletes at the cursor (MICROPY_REPL_EMACS_KEYS).
    expect(out).toBe(
      '>>> input:a\r\nn? >>> input:b\r\nn? >>> input:c\r\nn? >>> input:d\r\nn? 1x\b\b\x1b[Kx\b\r\n>>> input:e\r\nn?  machine\r\n>>> \r\nMPY: soft reboot\r\n',
    );
  });
});
