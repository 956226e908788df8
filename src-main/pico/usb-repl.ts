// The board's REPL on its USB CDC port, as ports/rp2/main.c runs it after boot.py/main.py:
// shared/runtime/pyexec.c pyexec_friendly_repl and pyexec_raw_repl (with raw-paste,
// do_reader_stdin), byte for byte. This build's own REPL (pyexec_event_repl_process_char) has no
// raw-paste (its do_reader_stdin needs a blocking mp_hal_stdin_rx_chr, which this port lacks)
// and prints the build's banner, so the protocol is here, on top of the runtime's exec.

export type ReplMode = 'friendly' | 'raw';

/** What the REPL needs from the board. */
export interface ReplEnv {
  /** Octets to the host, as they are (the protocol's own framing). */
  write(bytes: string | Uint8Array): void;
  /** Text Python printed, to the host cooked (\n -> \r\n), as mp_hal_stdout_tx_strn_cooked does. */
  print(text: string): void;
  /** The next octet from the host. */
  read(): Promise<number>;
  /**
   * Runs code in __main__; resolves with the uncaught exception's traceback text and type, or null.
   * 'single' prints the value of an expression statement (MP_PARSE_SINGLE_INPUT).
   */
  exec(source: string, mode: 'file' | 'single'): { type: string; traceback: string } | null;
  /** Ends this boot (the board restarts its runtime), remembering the REPL mode. */
  softReset(mode: ReplMode): void;
}

const CHAR_CTRL_A = 0x01;
const CHAR_CTRL_B = 0x02;
const CHAR_CTRL_C = 0x03;
const CHAR_CTRL_D = 0x04;
const CHAR_CTRL_E = 0x05;

/** py/mpconfig.h MICROPY_BANNER_NAME_AND_VERSION "; " MICROPY_BANNER_MACHINE, for the build _pico_boot.py reports. */
export const BANNER = 'MicroPython v1.27.0 on 2025-12-10; Raspberry Pi Pico W with RP2040';

/**
 * pyexec.c MICROPY_REPL_STDIN_BUFFER_MAX (256 unless a port sets it; rp2 does not): the raw-paste
 * flow-control window is half of it (mp_reader_new_stdin).
 */
const REPL_STDIN_BUFFER_MAX = 256;

const utf8 = new TextDecoder();

/** Runs the REPL until a soft reset; `mode` is where the previous boot left it (pyexec_mode_kind). */
export async function runRepl(env: ReplEnv, mode: ReplMode): Promise<void> {
  for (;;) {
    const next = mode === 'raw' ? await rawRepl(env) : await friendlyRepl(env);
    if (next === 'soft-reset') {
      // ports/rp2/main.c soft_reset_exit: mp_printf(MP_PYTHON_PRINTER, "MPY: soft reboot\n").
      env.print('MPY: soft reboot\n');
      env.softReset(mode);
      return;
    }
    mode = next;
  }
}

type ReplExit = ReplMode | 'soft-reset';

/** pyexec.c parse_compile_execute with EXEC_FLAG_PRINT_EOF as the raw REPL calls it. */
function executeRaw(env: ReplEnv, source: string): ReplExit | null {
  const error = env.exec(source, 'file');
  env.write('\x04');
  // SystemExit: PYEXEC_FORCED_EXIT (rp2 does not set MICROPY_PYEXEC_ENABLE_EXIT_CODE_HANDLING).
  if (error?.type === 'SystemExit') return 'soft-reset';
  if (error) env.print(error.traceback);
  env.write('\x04');
  return null;
}

/** pyexec.c pyexec_raw_repl. */
async function rawRepl(env: ReplEnv): Promise<ReplExit> {
  env.write('raw REPL; CTRL-B to exit\r\n');
  for (;;) {
    let line: number[] = [];
    env.write('>');
    for (;;) {
      const c = await env.read();
      if (c === CHAR_CTRL_A) {
        if (line.length === 2 && line[0] === CHAR_CTRL_E) {
          const exit = await rawPaste(env, line[1]!);
          if (exit) return exit;
          line = [];
          env.write('>');
          continue;
        }
        env.write('raw REPL; CTRL-B to exit\r\n'); // goto raw_repl_reset
        line = [];
        env.write('>');
        continue;
      } else if (c === CHAR_CTRL_B) {
        env.write('\r\n');
        return 'friendly';
      } else if (c === CHAR_CTRL_C) {
        line = [];
      } else if (c === CHAR_CTRL_D) {
        break;
      } else {
        line.push(c);
      }
    }
    env.write('OK');
    if (line.length === 0) {
      env.write('\r\n');
      return 'soft-reset';
    }
    const exit = executeRaw(env, utf8.decode(Uint8Array.from(line)));
    if (exit) return exit;
  }
}

/** pyexec.c do_reader_stdin, mp_reader_new_stdin and mp_reader_stdin_readbyte: raw-paste mode. */
async function rawPaste(env: ReplEnv, command: number): Promise<ReplExit | null> {
  if (command !== 0x41 /* 'A' */) {
    env.write('R\x00'); // unsupported command
    return null;
  }
  env.write('R\x01');
  const window = REPL_STDIN_BUFFER_MAX / 2;
  env.write(Uint8Array.of(window & 0xff, window >> 8, 0x01));
  let remain = window;
  const source: number[] = [];
  for (;;) {
    const c = await env.read();
    if (c === CHAR_CTRL_C || c === CHAR_CTRL_D) {
      env.write('\x04'); // indicate end to host
      if (c === CHAR_CTRL_C) {
        // The reader raises KeyboardInterrupt inside parse_compile_execute: both EOFs, then the
        // exception, as for code that raised it.
        env.write('\x04');
        env.print('KeyboardInterrupt: \n');
        env.write('\x04');
        return null;
      }
      break;
    }
    source.push(c);
    if (--remain === 0) {
      env.write('\x01'); // indicate window available to host
      remain = window;
    }
  }
  return executeRaw(env, utf8.decode(Uint8Array.from(source)));
}

/**
 * pyexec.c pyexec_friendly_repl with shared/readline/readline.c's editing reduced to what a
 * serial terminal sends most (printable characters, backspace, Enter); no history or cursor keys.
 */
async function friendlyRepl(env: ReplEnv): Promise<ReplExit> {
  const banner = (): void => {
    env.write(`${BANNER}\r\nType "help()" for more information.\r\n`);
  };
  banner();
  for (;;) {
    // readline.c readline_init: a statement's first line starts with auto-indent enabled.
    const indent = { enabled: true };
    const first = await readLine(env, '>>> ', '', indent);
    if (first === CHAR_CTRL_A) {
      env.write('\r\n');
      return 'raw';
    } else if (first === CHAR_CTRL_B) {
      env.write('\r\n');
      banner();
      continue;
    } else if (first === CHAR_CTRL_C) {
      env.write('\r\n');
      continue;
    } else if (first === CHAR_CTRL_D) {
      env.write('\r\n');
      return 'soft-reset';
    }
    let source: string;
    let mode: 'file' | 'single' = 'single';
    if (first === CHAR_CTRL_E) {
      env.write('\r\npaste mode; Ctrl-C to cancel, Ctrl-D to finish\r\n=== ');
      const pasted = await pasteMode(env);
      if (pasted === null) continue;
      source = pasted;
      mode = 'file';
    } else if (typeof first === 'number' || first === '') {
      continue;
    } else {
      source = first;
      let cancelled = false;
      while (continueWithInput(source)) {
        // pyexec.c: vstr_add_byte(&line, '\n') and readline(&line, ps2) on the statement so far.
        const more = await readLine(env, '... ', `${source}\n`, indent);
        if (more === CHAR_CTRL_C) {
          env.write('\r\n');
          cancelled = true;
          break;
        }
        if (more === CHAR_CTRL_D) break;
        if (typeof more === 'number') continue;
        source += `\n${more}`;
      }
      if (cancelled) continue;
    }
    const error = env.exec(source, mode);
    if (error?.type === 'SystemExit') return 'soft-reset';
    if (error) env.print(error.traceback);
  }
}

/** The paste-mode loop of pyexec_friendly_repl; null when cancelled with Ctrl-C. */
async function pasteMode(env: ReplEnv): Promise<string | null> {
  const line: number[] = [];
  for (;;) {
    const c = await env.read();
    if (c === CHAR_CTRL_C) {
      env.write('\r\n');
      return null;
    } else if (c === CHAR_CTRL_D) {
      env.write('\r\n');
      return utf8.decode(Uint8Array.from(line));
    }
    line.push(c);
    if (c === 0x0d) env.write('\r\n=== ');
    else env.write(Uint8Array.of(c));
  }
}

/**
 * readline.c readline_init + readline_process_char for a line: returns the line, or the control
 * character that ended it (Ctrl-A/B/D/E only on an empty line, Ctrl-C always). `before` is the
 * statement so far with its newline, from which the line's auto-indent comes
 * (MICROPY_REPL_AUTO_INDENT, on for rp2's feature level); a space or tab right after an
 * auto-indent turns it off for the rest of the statement, as pasted code needs.
 */
async function readLine(env: ReplEnv, prompt: string, before: string, indent: { enabled: boolean }): Promise<string | number> {
  env.write(prompt);
  const line: number[] = [];
  let justAdded = false;
  if (indent.enabled) {
    const n = autoIndentLevels(before);
    for (let k = 0; k < n; k++) line.push(0x20, 0x20, 0x20, 0x20);
    if (n > 0) {
      env.write('    '.repeat(n));
      justAdded = true;
    }
  }
  for (;;) {
    const c = await env.read();
    if (c === CHAR_CTRL_C) return CHAR_CTRL_C;
    if (line.length === 0 && (c === CHAR_CTRL_A || c === CHAR_CTRL_B || c === CHAR_CTRL_D || c === CHAR_CTRL_E)) return c;
    if (c === 0x0d) {
      env.write('\r\n');
      return utf8.decode(Uint8Array.from(line));
    }
    if (c === 0x0a) continue; // a terminal sends \r; a \n after it is not a second line
    if (c === 0x08 || c === 0x7f) {
      if (line.length > 0) {
        // Back over a whole indent level when only spaces are before the cursor.
        const n = line.length >= 4 && line.every((b) => b === 0x20) ? 4 : 1;
        line.length -= n;
        env.write(`${'\b'.repeat(n)}\x1b[K`); // mp_hal_move_cursor_back, mp_hal_erase_line_from_cursor
      }
    } else if (justAdded && (c === 0x09 || c === 0x20)) {
      // "tab/space after auto-indent: disable auto-indent": a tab keeps the indent, a space
      // takes 3 of its 4 spaces back (the space itself is not added).
      indent.enabled = false;
      if (c === 0x20) {
        line.length -= 3;
        env.write('\b\b\b');
      }
    } else if (c >= 0x20 || c === 0x09) {
      line.push(c);
      env.write(Uint8Array.of(c));
    }
    justAdded = false;
  }
}

/** readline.c readline_auto_indent: how many 4-space levels a continuation line starts with. */
export function autoIndentLevels(before: string): number {
  if (!(before.length > 1 && before.endsWith('\n'))) return 0;
  let i = before.length - 1;
  while (i > 0 && before[i - 1] !== '\n') i--;
  let j = i;
  while (j < before.length && before[j] === ' ') j++;
  // i: the previous line's start; j: its first non-space.
  if (i > 0 && j + 1 === before.length) {
    // The previous line is all spaces: none if the one before it is too.
    for (let k = i - 1; k > 0; k--) {
      if (before[k - 1] === '\n') return 0;
      if (before[k - 1] !== ' ') break;
    }
  }
  return Math.floor((j - i) / 4) + (before[before.length - 2] === ':' ? 1 : 0);
}

const COMPOUND = /^(?:@|(?:if|while|for|try|with|def|class|async)(?![A-Za-z0-9_]))/;

/**
 * py/repl.c mp_repl_continue_with_input: go on while a triple quote or a bracket is open, after a
 * backslash, and in a compound statement (or decorator) until a line is empty.
 */
export function continueWithInput(input: string): boolean {
  if (input === '') return false;
  const compound = COMPOUND.test(input);
  let paren = 0;
  let quote: '' | "'" | '"' | "'''" | '"""' = '';
  for (let i = 0; i < input.length; i++) {
    const c = input[i]!;
    if (c === "'" || c === '"') {
      const triple = (c + c + c) as "'''" | '"""';
      if ((quote === '' || quote === triple) && input.startsWith(triple, i)) {
        i += 2;
        quote = quote === '' ? triple : '';
      } else if (quote === '' || quote === c) {
        quote = quote === '' ? c : '';
      }
    } else if (c === '\\' && "'\"\\".includes(input[i + 1] ?? '')) {
      if (quote !== '') i++;
    } else if (quote === '') {
      if (c === '(' || c === '[' || c === '{') paren++;
      else if (c === ')' || c === ']' || c === '}') paren--;
    }
  }
  if (quote.length === 3) return true;
  if (paren > 0 && quote === '') return true;
  const last = input[input.length - 1];
  if (last === '\\') return true;
  return compound && last !== '\n';
}
