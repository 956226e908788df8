// The friendly REPL's line editor: micropython/micropython shared/readline/readline.c
// (readline_init, readline_process_char, readline_push_history, the VT100 helpers
// mp_hal_move_cursor_back and mp_hal_erase_line_from_cursor) and py/repl.c mp_repl_autocomplete
// (find_completions, print_completions), built as MicroPython 1.27 builds them for rp2.
//
// rp2 sets MICROPY_CONFIG_ROM_LEVEL_EXTRA_FEATURES (ports/rp2/mpconfigport.h) and no REPL option of
// its own, so py/mpconfig.h's defaults decide: MICROPY_REPL_EMACS_KEYS, MICROPY_HELPER_REPL and
// MICROPY_REPL_AUTO_INDENT are on (AT_LEAST_EXTRA_FEATURES); MICROPY_REPL_EMACS_WORDS_MOVE and
// MICROPY_REPL_EMACS_EXTRA_WORDS_MOVE are off (AT_LEAST_EVERYTHING): no Alt-B/F/D, Ctrl-W or
// Ctrl-Left/Right (their octets take readline.c's "unknown sequence" paths).
//
// Pure: octets in, octets out through ReadlineIo; the line is a string of octets (readline.c only
// inserts 32..126, so it is ASCII).

export const CHAR_CTRL_A = 0x01;
export const CHAR_CTRL_B = 0x02;
export const CHAR_CTRL_C = 0x03;
export const CHAR_CTRL_D = 0x04;
export const CHAR_CTRL_E = 0x05;
const CHAR_CTRL_F = 0x06;
const CHAR_CTRL_K = 0x0b;
const CHAR_CTRL_N = 0x0e;
const CHAR_CTRL_P = 0x10;
const CHAR_CTRL_U = 0x15;

/** py/mpconfig.h MICROPY_READLINE_HISTORY_SIZE (default; rp2 keeps it). */
export const MICROPY_READLINE_HISTORY_SIZE = 8;

// readline.c: flags for readline_t.auto_indent_state.
const AUTO_INDENT_ENABLED = 0x01;
const AUTO_INDENT_JUST_ADDED = 0x02;

// readline.c: enum { ESEQ_NONE, ESEQ_ESC, ESEQ_ESC_BRACKET, ESEQ_ESC_BRACKET_DIGIT, ESEQ_ESC_O }.
const ESEQ_NONE = 0;
const ESEQ_ESC = 1;
const ESEQ_ESC_BRACKET = 2;
const ESEQ_ESC_BRACKET_DIGIT = 3;
const ESEQ_ESC_O = 4;

// py/repl.c print_completions.
const WORD_SLOT_LEN = 16;
const MAX_LINE_LEN = 4 * WORD_SLOT_LEN;

/** What the line editor needs from the board. */
export interface ReadlineIo {
  /** Octets as they are (mp_hal_stdout_tx_strn). */
  write(bytes: string): void;
  /** Text through mp_plat_print (cooked: \n -> \r\n). */
  print(text: string): void;
  /**
   * The names mp_repl_autocomplete's test_qstr accepts, in qstr order: the attributes of the object
   * `words` leads to from __main__ (dir() probes the same qstrs the same way), or, with `modules`,
   * the built-in module names; null when a word of the chain does not resolve.
   */
  complete(words: string[], modules: boolean): string[] | null;
}

export class Readline {
  /** MP_STATE_PORT(readline_hist), newest first: one boot's (main.c calls readline_init0 each soft reset). */
  readonly history: string[] = [];
  /** The statement so far (readline_t.line): earlier lines with their '\n', then this line. */
  line = '';
  private origLineLen = 0;
  private escapeSeq = ESEQ_NONE;
  private escapeSeqBuf = '';
  private histCur = -1;
  private cursorPos = 0;
  private autoIndentState = 0;
  private prompt = '';

  constructor(private readonly io: ReadlineIo) {}

  /** readline.c readline_init: `line` is the statement so far (ending in '\n' on a continuation line). */
  init(line: string, prompt: string): void {
    this.line = line;
    this.origLineLen = line.length;
    this.escapeSeq = ESEQ_NONE;
    this.escapeSeqBuf = '';
    this.histCur = -1;
    this.cursorPos = this.origLineLen;
    this.prompt = prompt;
    this.io.write(prompt);
    // Start with auto-indent enabled on a statement's first line; later lines keep its state.
    if (line.length === 0) this.autoIndentState = AUTO_INDENT_ENABLED;
    this.autoIndent();
  }

  /** This line: the statement from where readline_init left it. */
  get current(): string {
    return this.line.slice(this.origLineLen);
  }

  /**
   * readline.c readline_process_char: -1 to go on, 0 after Enter, or the control character that
   * ends the line (Ctrl-A/B/D/E on an empty line, Ctrl-C always).
   */
  processChar(c: number): number {
    const lastLineLen = this.line.length;
    let redrawStepBack = 0;
    let redrawFromCursor = false;
    let redrawStepForward = 0;
    // readline.c reaches these through its goto labels (home_key, end_key, ...).
    const home = (): void => {
      redrawStepBack = this.cursorPos - this.origLineLen;
    };
    const end = (): void => {
      redrawStepForward = this.line.length - this.cursorPos;
    };
    const left = (): void => {
      if (this.cursorPos > this.origLineLen) redrawStepBack = 1;
    };
    const right = (): void => {
      if (this.cursorPos < this.line.length) redrawStepForward = 1;
    };
    const del = (): void => {
      if (this.cursorPos < this.line.length) {
        this.cut(this.cursorPos, 1);
        redrawFromCursor = true;
      }
    };
    const up = (): void => {
      if (this.histCur + 1 < MICROPY_READLINE_HISTORY_SIZE && this.history[this.histCur + 1] !== undefined) {
        this.histCur += 1;
        this.line = this.line.slice(0, this.origLineLen) + this.history[this.histCur]!;
        redrawStepBack = this.cursorPos - this.origLineLen;
        redrawFromCursor = true;
        redrawStepForward = this.line.length - this.origLineLen;
      }
    };
    const down = (): void => {
      if (this.histCur >= 0) {
        this.histCur -= 1;
        this.line = this.line.slice(0, this.origLineLen) + (this.histCur >= 0 ? this.history[this.histCur]! : '');
        redrawStepBack = this.cursorPos - this.origLineLen;
        redrawFromCursor = true;
        redrawStepForward = this.line.length - this.origLineLen;
      }
    };

    if (this.escapeSeq === ESEQ_NONE) {
      if (CHAR_CTRL_A <= c && c <= CHAR_CTRL_E && this.line.length === this.origLineLen) {
        return c; // control character with empty line
      } else if (c === CHAR_CTRL_A) {
        home();
      } else if (c === CHAR_CTRL_B) {
        left(); // MICROPY_REPL_EMACS_KEYS
      } else if (c === CHAR_CTRL_C) {
        return c;
      } else if (c === CHAR_CTRL_D) {
        del(); // MICROPY_REPL_EMACS_KEYS: delete-at-cursor
      } else if (c === CHAR_CTRL_E) {
        end();
      } else if (c === CHAR_CTRL_F) {
        right();
      } else if (c === CHAR_CTRL_K) {
        this.line = this.line.slice(0, this.cursorPos);
        redrawFromCursor = true;
      } else if (c === CHAR_CTRL_N) {
        down();
      } else if (c === CHAR_CTRL_P) {
        up();
      } else if (c === CHAR_CTRL_U) {
        this.cut(this.origLineLen, this.cursorPos - this.origLineLen);
        redrawStepBack = this.cursorPos - this.origLineLen;
        redrawFromCursor = true;
      } else if (c === 0x0d) {
        this.io.write('\r\n');
        this.pushHistory(this.current);
        return 0;
      } else if (c === 0x1b) {
        this.escapeSeq = ESEQ_ESC;
      } else if (c === 0x08 || c === 0x7f) {
        if (this.cursorPos > this.origLineLen) {
          // MICROPY_REPL_AUTO_INDENT: back over a whole indent level when only spaces precede.
          let nspace = 0;
          for (let i = this.origLineLen; i < this.cursorPos; i++) {
            if (this.line[i] !== ' ') {
              nspace = 0;
              break;
            }
            nspace += 1;
          }
          nspace = nspace < 4 ? 1 : 4;
          this.cut(this.cursorPos - nspace, nspace);
          redrawStepBack = nspace;
          redrawFromCursor = true;
        }
      } else if (this.autoIndentState & AUTO_INDENT_JUST_ADDED && (c === 0x09 || c === 0x20)) {
        // "tab/space after auto-indent: disable auto-indent": a tab keeps the indent, a space
        // takes 3 of its 4 spaces back.
        this.autoIndentState = 0;
        if (c === 0x20) {
          redrawStepBack = 3;
          this.line = this.line.slice(0, -3);
        }
      } else if (c === 0x09) {
        // MICROPY_HELPER_REPL "tab magic": 4 spaces after whitespace (a continuation line's start
        // follows its '\n'), else complete the word before the cursor.
        let compl: string | 'many' = '';
        const before = this.line[this.cursorPos - 1];
        if (this.line.length !== 0 && before !== undefined && /\s/.test(before)) {
          compl = '    ';
        } else {
          compl = autocomplete(this.line.slice(this.origLineLen, this.cursorPos), this.io);
        }
        if (compl === 'many') {
          this.io.write(this.prompt);
          this.io.write(this.line.slice(this.origLineLen, this.cursorPos));
          redrawFromCursor = true;
        } else if (compl !== '') {
          this.line = this.line.slice(0, this.cursorPos) + compl + this.line.slice(this.cursorPos);
          redrawFromCursor = true;
          redrawStepForward = compl.length;
        }
      } else if (c >= 32 && c <= 126) {
        this.line = this.line.slice(0, this.cursorPos) + String.fromCharCode(c) + this.line.slice(this.cursorPos);
        redrawFromCursor = true;
        redrawStepForward = 1;
      }
    } else if (this.escapeSeq === ESEQ_ESC) {
      // MICROPY_REPL_EMACS_WORDS_MOVE is off: only '[' and 'O' start a sequence; any other octet
      // ends it unseen (Alt-B, Alt-F, ...).
      this.escapeSeq = c === 0x5b ? ESEQ_ESC_BRACKET : c === 0x4f ? ESEQ_ESC_O : ESEQ_NONE;
    } else if (this.escapeSeq === ESEQ_ESC_BRACKET) {
      if (c >= 0x30 && c <= 0x39) {
        this.escapeSeq = ESEQ_ESC_BRACKET_DIGIT;
        this.escapeSeqBuf = String.fromCharCode(c);
      } else {
        this.escapeSeq = ESEQ_NONE;
        const key = String.fromCharCode(c);
        if (key === 'A') up();
        else if (key === 'B') down();
        else if (key === 'C') right();
        else if (key === 'D') left();
        else if (key === 'H') home();
        else if (key === 'F') end();
      }
    } else if (this.escapeSeq === ESEQ_ESC_BRACKET_DIGIT) {
      // Only "ESC [ n ~" (one digit): without MICROPY_REPL_EMACS_EXTRA_WORDS_MOVE, the ';' of
      // Ctrl-Left (ESC [ 1 ; 5 D) ends the sequence and "5D" arrives as text, as on a board.
      if (c === 0x7e) {
        const n = this.escapeSeqBuf;
        if (n === '1' || n === '7') home();
        else if (n === '4' || n === '8') end();
        else if (n === '3') del();
      }
      this.escapeSeq = ESEQ_NONE;
    } else if (this.escapeSeq === ESEQ_ESC_O) {
      if (c === 0x48) home();
      else if (c === 0x46) end();
      this.escapeSeq = ESEQ_NONE;
    } else {
      this.escapeSeq = ESEQ_NONE;
    }

    // "redraw command prompt, efficiently"
    if (redrawStepBack > 0) {
      this.moveCursorBack(redrawStepBack);
      this.cursorPos -= redrawStepBack;
    }
    if (redrawFromCursor) {
      if (this.line.length < lastLineLen) this.io.write('\x1b[K'); // mp_hal_erase_line_from_cursor
      this.io.write(this.line.slice(this.cursorPos));
      this.moveCursorBack(this.line.length - (this.cursorPos + redrawStepForward));
      this.cursorPos += redrawStepForward;
    } else if (redrawStepForward > 0) {
      // Draw over the old characters to move the cursor forwards.
      this.io.write(this.line.slice(this.cursorPos, this.cursorPos + redrawStepForward));
      this.cursorPos += redrawStepForward;
    }
    this.autoIndentState &= ~AUTO_INDENT_JUST_ADDED;
    return -1;
  }

  /** readline.c readline_push_history: not empty, not the newest entry again; the oldest drops off. */
  private pushHistory(line: string): void {
    if (line === '' || this.history[0] === line) return;
    this.history.unshift(line);
    if (this.history.length > MICROPY_READLINE_HISTORY_SIZE) this.history.length = MICROPY_READLINE_HISTORY_SIZE;
  }

  /** readline.c readline_auto_indent. */
  private autoIndent(): void {
    if (!(this.autoIndentState & AUTO_INDENT_ENABLED)) return;
    const n = autoIndentLevels(this.line);
    for (let k = 0; k < n; k++) {
      this.line += '    ';
      this.io.write('    ');
      this.cursorPos += 4;
      this.autoIndentState |= AUTO_INDENT_JUST_ADDED;
    }
  }

  /** readline.c mp_hal_move_cursor_back: backspaces for up to 4, else ESC [ n D. */
  private moveCursorBack(pos: number): void {
    if (pos <= 0) return;
    this.io.write(pos <= 4 ? '\b'.repeat(pos) : `\x1b[${pos}D`);
  }

  private cut(at: number, n: number): void {
    this.line = this.line.slice(0, at) + this.line.slice(at + n);
  }
}

/**
 * py/modbuiltins.c mp_builtin_input after it printed the prompt: mp_hal_readline(&line, "") is
 * readline.c readline (rp2 defines no mp_hal_readline of its own), the REPL's editor with its
 * history. The line, or CHAR_CTRL_C (input() raises KeyboardInterrupt) or CHAR_CTRL_D on an empty
 * line (EOFError); a Ctrl-A/B/E that ends an empty line gives ''. `rxChr` is mp_hal_stdin_rx_chr:
 * the next octet, or null for a Ctrl-C that scheduled KeyboardInterrupt while it waited.
 */
export function inputLine(rl: Readline, rxChr: () => number | null): string | typeof CHAR_CTRL_C | typeof CHAR_CTRL_D {
  rl.init('', '');
  for (;;) {
    const c = rxChr();
    if (c === null) return CHAR_CTRL_C;
    const r = rl.processChar(c);
    if (r === CHAR_CTRL_C || r === CHAR_CTRL_D) return r;
    if (r >= 0) return rl.line;
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

const IMPORT_STR = 'import ';

/**
 * py/repl.c mp_repl_autocomplete on this line up to the cursor: the text to insert ('' for none),
 * or 'many' after print_completions listed the matches.
 */
export function autocomplete(str: string, io: Pick<ReadlineIo, 'print' | 'complete'>): string | 'many' {
  // Scan backwards to find the start of the "a.b.c" chain (unichar_isalpha/isdigit are ASCII).
  let start = 0;
  for (let s = str.length - 1; s >= 0; s--) {
    if (!/[A-Za-z0-9_.]/.test(str[s]!)) {
      start = s + 1;
      break;
    }
  }
  const words = str.slice(start).split('.');
  const partial = words.pop()!;
  // An empty word ("a..b", ".b") is the empty qstr, which no object has: "lookup failed".
  if (words.includes('')) return '';
  // "after "import", suggest built-in modules"
  const names = io.complete(words, str.startsWith(IMPORT_STR));
  if (names === null) return '';
  // find_completions: "filter out words that begin with underscore unless there's already a partial match".
  const matches = names.filter((d) => d.startsWith(partial) && !(partial === '' && d.startsWith('_')));
  if (matches.length === 0) {
    // "if it's first word in the line, try to complete "import"".
    const first = start === 0 && words.length === 0;
    if (first && partial.length > 0 && partial.length < IMPORT_STR.length && IMPORT_STR.startsWith(partial)) {
      return IMPORT_STR.slice(partial.length);
    }
    return '';
  }
  let matchLen = matches[0]!.length;
  for (const d of matches) {
    let j = partial.length;
    while (j < matchLen && j < d.length && d[j] === matches[0]![j]) j++;
    matchLen = Math.min(matchLen, j);
  }
  if (matches.length === 1 || matchLen > partial.length) return matches[0]!.slice(partial.length, matchLen);
  // print_completions: words in 16-column slots, at least 2 spaces apart, lines of at most 64.
  let out = '';
  let lineLen = MAX_LINE_LEN; // force a newline for the first word
  for (const d of matches) {
    let gap = Math.ceil(lineLen / WORD_SLOT_LEN) * WORD_SLOT_LEN - lineLen;
    if (gap < 2) gap += WORD_SLOT_LEN;
    if (lineLen + gap + d.length <= MAX_LINE_LEN) {
      out += ' '.repeat(gap) + d;
      lineLen += gap + d.length;
    } else {
      out += `\n${d}`;
      lineLen = d.length;
    }
  }
  io.print(`${out}\n`);
  return 'many';
}
