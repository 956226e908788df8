// The friendly REPL's line editing, octet for octet as MicroPython 1.27 builds it for rp2
// (EXTRA_FEATURES: MICROPY_REPL_EMACS_KEYS, MICROPY_HELPER_REPL and MICROPY_REPL_AUTO_INDENT on;
// the word moves off): shared/readline/readline.c readline_process_char with its redraw
// (mp_hal_move_cursor_back: "\b" up to 4, else ESC [ n D; mp_hal_erase_line_from_cursor: ESC [ K),
// readline_push_history, and py/repl.c mp_repl_autocomplete / print_completions. Driven through
// runRepl with a fake board, as board-worker.ts drives it.
import { describe, expect, it } from 'vitest';
import { CHAR_CTRL_C, CHAR_CTRL_D, inputLine, MICROPY_READLINE_HISTORY_SIZE, Readline } from '../../src-main/pico/readline.ts';
import { runRepl, type ReplEnv } from '../../src-main/pico/usb-repl.ts';

const PROMPT_BANNER = 'MicroPython v1.27.0 on 2025-12-10; Raspberry Pi Pico W with RP2040\r\nType "help()" for more information.\r\n';

/** A namespace for Tab: dotted path -> dir() of what it leads to, in qstr order. */
const NAMESPACE: Record<string, string[]> = {
  '': ['__name__', 'machine', 'math', 'x'],
  machine: ['__name__', 'ADC', 'Pin', 'PWM', 'freq', 'idle', 'reset', 'reset_cause', 'soft_reset', 'unique_id'],
  'machine.Pin': ['IN', 'OUT', 'PULL_UP', 'irq', 'value'],
};

interface Boot {
  /** Everything the board sent after its banner. */
  out: string;
  /** The sources the REPL ran. */
  ran: string[];
  /** What each `input:NAME` statement's input() returned, by NAME. */
  got: Record<string, string | number>;
}

/**
 * One boot: the banner, `input` (which must end the boot, e.g. with Ctrl-D on an empty line). A
 * statement `input:NAME` runs input("n? ") as board-worker.ts does: the prompt printed, then
 * inputLine on the boot's one Readline, which the REPL shares.
 */
async function boot(input: string): Promise<Boot> {
  const octets = [...input].map((c) => c.charCodeAt(0));
  let next = 0;
  let out = '';
  const ran: string[] = [];
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
      ran.push(source);
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
    complete: (words, modules) => (modules ? null : (NAMESPACE[words.join('.')] ?? null)),
    softReset: () => {},
  };
  const rl = new Readline(env);
  await runRepl(env, 'friendly', rl);
  expect(out.startsWith(PROMPT_BANNER)).toBe(true);
  return { out: out.slice(PROMPT_BANNER.length), ran, got };
}

const ESC = '\x1b';
const LEFT = `${ESC}[D`;
const RIGHT = `${ESC}[C`;
const UP = `${ESC}[A`;
const DOWN = `${ESC}[B`;
const HOME = `${ESC}[H`;
const END_OF_BOOT = '\x04';
const REBOOT = '\r\nMPY: soft reboot\r\n';

describe('readline.c readline_process_char: escape sequences and the cursor', () => {
  it('consumes an arrow key (ESC [ D) and inserts in the middle with the rest redrawn', async () => {
    const { out, ran } = await boot(`12${LEFT}+\r${END_OF_BOOT}`);
    // Left: one "\b"; '+': the line from the cursor ("+2"), then back over the "2".
    expect(out).toBe(`>>> 12\b+2\b\r\n>>> ${REBOOT}`);
    expect(ran).toEqual(['1+2']);
  });

  it('moves home and end with every sequence readline.c knows, and Ctrl-A/Ctrl-E on a non-empty line', async () => {
    // 6 back is ESC [ 6 D (mp_hal_move_cursor_back); end draws the characters over again.
    const seqs = [
      [`${ESC}[H`, `${ESC}[F`],
      [`${ESC}[1~`, `${ESC}[4~`],
      [`${ESC}[7~`, `${ESC}[8~`],
      [`${ESC}OH`, `${ESC}OF`],
      ['\x01', '\x05'],
    ];
    for (const [home, end] of seqs) {
      const { out, ran } = await boot(`abcdef${home}x${end}y\r${END_OF_BOOT}`);
      expect(out).toBe(`>>> abcdef${ESC}[6Dxabcdef${ESC}[6Dabcdefy\r\n>>> ${REBOOT}`);
      expect(ran).toEqual(['xabcdefy']);
    }
  });

  it('keeps Ctrl-A (raw REPL) and Ctrl-E (paste mode) on an empty line', async () => {
    const raw = await boot('\x01\x02\x04');
    expect(raw.out).toBe('>>> \r\nraw REPL; CTRL-B to exit\r\n>\r\n' + PROMPT_BANNER + '>>> ' + REBOOT);
    const paste = await boot('\x05x=1\x04\x04');
    expect(paste.out).toBe('>>> \r\npaste mode; Ctrl-C to cancel, Ctrl-D to finish\r\n=== x=1\r\n>>> ' + REBOOT);
  });

  it('deletes at the cursor with ESC [ 3 ~ and Ctrl-D (emacs keys), and backspaces in the middle', async () => {
    const { out, ran } = await boot(`abc\x01${ESC}[3~\x04${RIGHT}\x7f\r${END_OF_BOOT}`);
    // Home: "\b\b\b"; delete: erase, "bc", back 2; Ctrl-D: erase, "c", back 1; Right: draw "c";
    // backspace at the end: back 1, erase.
    expect(out).toBe(`>>> abc\b\b\b${ESC}[Kbc\b\b${ESC}[Kc\bc\b${ESC}[K\r\n>>> ${REBOOT}`);
    expect(ran).toEqual([]); // the line ended empty: nothing ran
    const mid = await boot(`abc${LEFT}\x7f\r${END_OF_BOOT}`);
    expect(mid.out).toBe(`>>> abc\b\b${ESC}[Kc\b\r\n>>> ${REBOOT}`);
    expect(mid.ran).toEqual(['ac']);
  });

  it('moves with Ctrl-B/Ctrl-F and kills with Ctrl-K and Ctrl-U (MICROPY_REPL_EMACS_KEYS)', async () => {
    const k = await boot(`abcd\x02\x02\x06\x0b\r${END_OF_BOOT}`);
    expect(k.out).toBe(`>>> abcd\b\bc${ESC}[K\r\n>>> ${REBOOT}`);
    expect(k.ran).toEqual(['abc']);
    const u = await boot(`abcd\x02\x02\x15\r${END_OF_BOOT}`);
    expect(u.out).toBe(`>>> abcd\b\b\b\b${ESC}[Kcd\b\b\r\n>>> ${REBOOT}`);
    expect(u.ran).toEqual(['cd']);
  });

  it('has no word moves on rp2: Alt-B is swallowed, Ctrl-Left (ESC [ 1 ; 5 D) ends at ";" and "5D" is typed', async () => {
    const { ran } = await boot(`ab${ESC}b${ESC}[1;5Dc\r${END_OF_BOOT}`);
    expect(ran).toEqual(['ab5Dc']);
  });

  it('inserts only printable ASCII (32..126): other octets are dropped', async () => {
    const { ran } = await boot(`a\xc3\xa9\x07b\r${END_OF_BOOT}`);
    expect(ran).toEqual(['ab']);
  });
});

describe('readline.c history (readline_push_history, up/down arrow)', () => {
  it('recalls the previous lines with Up/Down and Ctrl-P/Ctrl-N, redrawn over the line', async () => {
    const { out, ran } = await boot(`a=1\rb=22\r${UP}${UP}${DOWN}\x10\x0e\x0e\r${END_OF_BOOT}`);
    const editing = out.slice('>>> a=1\r\n>>> b=22\r\n>>> '.length);
    // Up: "b=22"; Up: back 4, "a=1", erase (shorter) first; Down: back 3, "b=22"; Ctrl-P: "a=1";
    // Ctrl-N: "b=22"; Ctrl-N past the newest: back 4 and erase, an empty line.
    expect(editing).toBe(`b=22\b\b\b\b${ESC}[Ka=1\b\b\bb=22\b\b\b\b${ESC}[Ka=1\b\b\bb=22\b\b\b\b${ESC}[K\r\n>>> ${REBOOT}`);
    expect(ran).toEqual(['a=1', 'b=22']);
    const again = await boot(`a=1\rb=22\r${UP}${UP}\r${END_OF_BOOT}`);
    expect(again.ran).toEqual(['a=1', 'b=22', 'a=1']);
  });

  it('skips empty lines and a repeat of the newest entry, and keeps MICROPY_READLINE_HISTORY_SIZE entries', async () => {
    const { ran } = await boot(`x\rx\r\r${UP}${UP}\r${END_OF_BOOT}`);
    expect(ran).toEqual(['x', 'x', 'x']); // one "x" in the history: the second Up has nothing more
    const lines = Array.from({ length: MICROPY_READLINE_HISTORY_SIZE + 1 }, (_, i) => `v${i}`);
    const many = await boot(`${lines.map((l) => `${l}\r`).join('')}${UP.repeat(MICROPY_READLINE_HISTORY_SIZE + 1)}\r${END_OF_BOOT}`);
    expect(MICROPY_READLINE_HISTORY_SIZE).toBe(8);
    expect(many.ran.at(-1)).toBe('v1'); // v0 fell off the end
  });

  it('keeps each line of a block as its own entry, auto-indent included', async () => {
    const { ran } = await boot(`for i in range(2):\rprint(i)\r\x7f\r${UP}\r\x7f\r${END_OF_BOOT}`);
    // Up on the next statement's first line gives "    print(i)" (the last line pushed).
    expect(ran).toEqual(['for i in range(2):\n    print(i)\n', '    print(i)']);
  });

  it('forgets the history at a soft reset (ports/rp2/main.c calls readline_init0 each boot)', async () => {
    // Each runRepl is one boot; the second starts with an empty history, so Up does nothing.
    expect((await boot(`y=1\r${END_OF_BOOT}`)).ran).toEqual(['y=1']);
    const second = await boot(`${UP}\r${END_OF_BOOT}`);
    expect(second.ran).toEqual([]);
    expect(second.out).toBe(`>>> \r\n>>> ${REBOOT}`);
  });
});

describe('py/repl.c mp_repl_autocomplete on Tab (MICROPY_HELPER_REPL)', () => {
  it('completes a unique name, a dotted attribute and the common prefix', async () => {
    const { out, ran } = await boot(`mach\t.Pi\t.PU\t\r${END_OF_BOOT}`);
    expect(out).toBe(`>>> machine.Pin.PULL_UP\r\n>>> ${REBOOT}`);
    expect(ran).toEqual(['machine.Pin.PULL_UP']);
    const prefix = await boot(`machine.res\t\r${END_OF_BOOT}`);
    expect(prefix.ran).toEqual(['machine.reset']); // reset, reset_cause: their common prefix
  });

  it('lists several matches in 16-column slots (print_completions), then the prompt and the line', async () => {
    const { out } = await boot(`ma\t\x03${END_OF_BOOT}`);
    expect(out).toBe(`>>> ma\r\nmachine         math\r\n>>> ma\r\n>>> ${REBOOT}`);
    // An empty word lists all but the _names; a line wraps before 64 columns.
    const all = await boot(`machine.\t\x03${END_OF_BOOT}`);
    expect(all.out).toBe(
      `>>> machine.\r\nADC             Pin             PWM             freq\r\nidle            reset           reset_cause     soft_reset\r\nunique_id\r\n>>> machine.\r\n>>> ${REBOOT}`,
    );
  });

  it('completes "import" on a first word, and does nothing for an unknown chain', async () => {
    const { out, ran } = await boot(`impo\tmath\rnope.x\t\r${END_OF_BOOT}`);
    expect(out).toBe(`>>> import math\r\n>>> nope.x\r\n>>> ${REBOOT}`);
    expect(ran).toEqual(['import math', 'nope.x']);
  });

  it('inserts 4 spaces after whitespace, and on a continuation line\'s start', async () => {
    const { out, ran } = await boot(`x = \t1\rf(1,\r\t2)\r${END_OF_BOOT}`);
    expect(out).toBe(`>>> x =     1\r\n>>> f(1,\r\n...     2)\r\n>>> ${REBOOT}`);
    expect(ran).toEqual(['x =     1', 'f(1,\n    2)']);
  });

  it('lets a tab right after an auto-indent keep the indent (readline.c auto_indent_state)', async () => {
    const { out, ran } = await boot(`if 1:\r\tx\r\r${END_OF_BOOT}`);
    expect(out).toBe(`>>> if 1:\r\n...     x\r\n... \r\n>>> ${REBOOT}`);
    expect(ran).toEqual(['if 1:\n    x\n']);
  });
});

// input() edits its line with the friendly REPL's editor and history, as on a board:
// py/modbuiltins.c mp_builtin_input prints its prompt and calls mp_hal_readline(&line, ""), which is
// shared/readline/readline.c readline (readline_init + readline_process_char, the REPL's own), so
// Enter pushes the line on the one history and Up recalls REPL lines and input() lines alike;
// readline returns CHAR_CTRL_C (KeyboardInterrupt) or, on an empty line, CHAR_CTRL_D (EOFError).
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
