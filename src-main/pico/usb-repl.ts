// The board's REPL on its USB CDC port, as ports/rp2/main.c runs it after boot.py/main.py:
// shared/runtime/pyexec.c pyexec_friendly_repl and pyexec_raw_repl (with raw-paste,
// do_reader_stdin), byte for byte. This build's own REPL (pyexec_event_repl_process_char) has no
// raw-paste (its do_reader_stdin needs a blocking mp_hal_stdin_rx_chr, which this port lacks)
// and prints the build's banner, so the protocol is here, on top of the runtime's exec.

import { CHAR_CTRL_A, CHAR_CTRL_B, CHAR_CTRL_C, CHAR_CTRL_D, CHAR_CTRL_E, Readline } from './readline.ts';

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
  /**
   * Tab completion's namespace (py/repl.c mp_repl_autocomplete): the names of what `words` leads to
   * from __main__ in dir() order, or the built-in module names; null if a word does not resolve.
   */
  complete(words: string[], modules: boolean): string[] | null;
  /** Ends this boot (the board restarts its runtime), remembering the REPL mode. */
  softReset(mode: ReplMode): void;
}

/** py/mpconfig.h MICROPY_BANNER_NAME_AND_VERSION "; " MICROPY_BANNER_MACHINE, for the build _pico_boot.py reports. */
export const BANNER = 'MicroPython v1.27.0 on 2025-12-10; Raspberry Pi Pico W with RP2040';

/**
 * pyexec.c MICROPY_REPL_STDIN_BUFFER_MAX (256 unless a port sets it; rp2 does not): the raw-paste
 * flow-control window is half of it (mp_reader_new_stdin).
 */
const REPL_STDIN_BUFFER_MAX = 256;

const utf8 = new TextDecoder();

/**
 * Runs the REPL until a soft reset; `mode` is where the previous boot left it (pyexec_mode_kind).
 * `rl`: this boot's line editor, when the board's input() shares it (its history is
 * MP_STATE_PORT(readline_hist), one per boot: ports/rp2/main.c calls readline_init0 after each
 * soft reset).
 */
export async function runRepl(env: ReplEnv, mode: ReplMode, rl: Readline = new Readline(env)): Promise<void> {
  for (;;) {
    const next = mode === 'raw' ? await rawRepl(env) : await friendlyRepl(env, rl);
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
 * pyexec.c pyexec_friendly_repl, its lines edited by readline.ts (shared/readline/readline.c with
 * history, cursor keys and tab completion, as rp2 builds it).
 */
async function friendlyRepl(env: ReplEnv, rl: Readline): Promise<ReplExit> {
  const banner = (): void => {
    env.write(`${BANNER}\r\nType "help()" for more information.\r\n`);
  };
  banner();
  for (;;) {
    const first = await readLine(env, rl, '', '>>> ');
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
    } else if (rl.line === '') {
      continue;
    } else {
      let cancelled = false;
      while (continueWithInput(rl.line)) {
        // pyexec.c: vstr_add_byte(&line, '\n') and readline(&line, ps2) on the statement so far;
        // a Ctrl-A/B/E that ends an empty line leaves that line empty, as on a board.
        const more = await readLine(env, rl, `${rl.line}\n`, '... ');
        if (more === CHAR_CTRL_C) {
          env.write('\r\n');
          cancelled = true;
          break;
        }
        if (more === CHAR_CTRL_D) break;
      }
      if (cancelled) continue;
      source = rl.line;
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

/** readline.c readline: edits one line of the statement `line`; 0 after Enter, or the control character that ended it. */
async function readLine(env: ReplEnv, rl: Readline, line: string, prompt: string): Promise<number> {
  rl.init(line, prompt);
  for (;;) {
    const r = rl.processChar(await env.read());
    if (r >= 0) return r;
  }
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
