// Makes a firmware's top-level asyncio.run() an await, so the board runs it as a board does
// (statements after it run after the task ends, `finally` blocks after the task) while control
// still returns to JavaScript between steps. It must: this MicroPython build collects garbage only
// at its top level (GC cannot scan the WebAssembly stack), so a run() that blocked in place would
// free nothing for as long as the firmware runs. The file on the board is untouched; the text is
// changed only as it is handed to the compiler, with top-level await allowed.
//
// Only calls in module scope (not inside a def, a class, a lambda or a comprehension) are changed:
// `asyncio.run(x)` -> `await asyncio._run_at_top(x)`. Elsewhere asyncio.run()
// keeps its blocking form (see _pico_boot.py). A small Python tokenizer finds them: strings of
// every kind, comments, brackets, continuation lines and indentation.

/** The asyncio function the rewritten calls await: creates the task and returns it. */
export const TOP_LEVEL_RUN = '_run_at_top';

const MODULES = new Set(['asyncio', 'uasyncio']);

interface Token {
  kind: 'name' | 'op';
  text: string;
  at: number;
  /** Bracket depth before the token. */
  depth: number;
  /** Index of the logical line. */
  line: number;
}

interface Line {
  indent: number;
  tokens: Token[];
}

const isNameStart = (c: string): boolean => /[A-Za-z_]/.test(c) || c > '\x7f';
const isName = (c: string): boolean => /[A-Za-z0-9_]/.test(c) || c > '\x7f';

/** The source as logical lines of name and operator tokens (strings, numbers and comments dropped). */
function logicalLines(src: string): Line[] {
  const lines: Line[] = [];
  let current: Line | null = null;
  let depth = 0;
  let atLineStart = true;
  let i = 0;
  const n = src.length;
  while (i < n) {
    if (atLineStart && depth === 0) {
      // Measure the indentation of what may be a new logical line.
      let col = 0;
      let j = i;
      for (; j < n; j++) {
        if (src[j] === ' ') col++;
        else if (src[j] === '\t') col = (Math.floor(col / 8) + 1) * 8;
        else if (src[j] === '\f') col = 0;
        else break;
      }
      i = j;
      if (i >= n) break;
      const c = src[i]!;
      if (c === '\n' || c === '\r' || c === '#') {
        // Blank or comment-only: not a logical line.
        while (i < n && src[i] !== '\n') i++;
        i++;
        continue;
      }
      current = { indent: col, tokens: [] };
      lines.push(current);
      atLineStart = false;
    }
    const c = src[i]!;
    if (c === '\n') {
      i++;
      if (depth === 0) atLineStart = true;
      continue;
    }
    if (c === '\\' && (src[i + 1] === '\n' || (src[i + 1] === '\r' && src[i + 2] === '\n'))) {
      i += src[i + 1] === '\n' ? 2 : 3; // explicit continuation: same logical line
      continue;
    }
    if (c === '#') {
      while (i < n && src[i] !== '\n') i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f') {
      i++;
      continue;
    }
    const quote = stringStart(src, i);
    if (quote) {
      i = skipString(src, quote.body, quote.quote);
      continue;
    }
    if (isNameStart(c)) {
      const start = i;
      while (i < n && isName(src[i]!)) i++;
      current!.tokens.push({ kind: 'name', text: src.slice(start, i), at: start, depth, line: lines.length - 1 });
      continue;
    }
    if (/[0-9]/.test(c)) {
      while (i < n && /[0-9A-Za-z_.]/.test(src[i]!)) i++;
      continue;
    }
    if ('([{'.includes(c)) {
      current!.tokens.push({ kind: 'op', text: c, at: i, depth, line: lines.length - 1 });
      depth++;
      i++;
      continue;
    }
    if (')]}'.includes(c)) {
      depth = Math.max(0, depth - 1);
      current!.tokens.push({ kind: 'op', text: c, at: i, depth, line: lines.length - 1 });
      i++;
      continue;
    }
    current!.tokens.push({ kind: 'op', text: c, at: i, depth, line: lines.length - 1 });
    i++;
  }
  return lines;
}

/** A string literal starting at i (with any r/b/u/f prefix): where its body starts, and its quote. */
function stringStart(src: string, i: number): { body: number; quote: string } | null {
  let j = i;
  while (j < src.length && j - i < 3 && /[rRbBuUfF]/.test(src[j]!)) j++;
  const q = src[j];
  if (q !== '"' && q !== "'") return null;
  // A prefix must not be the tail of a longer name (`bar"x"` is not a string).
  if (j > i && i > 0 && isName(src[i - 1]!)) return null;
  const triple = src.startsWith(q.repeat(3), j);
  return { body: j + (triple ? 3 : 1), quote: triple ? q.repeat(3) : q };
}

function skipString(src: string, from: number, quote: string): number {
  let i = from;
  while (i < src.length) {
    const c = src[i]!;
    if (c === '\\') {
      i += 2; // a backslash keeps the next character inside the string, raw or not
      continue;
    }
    if (quote.length === 1 && c === '\n') return i; // unterminated: let the compiler say so
    if (src.startsWith(quote, i)) return i + quote.length;
    i++;
  }
  return i;
}

/** What import statements bind: names of the asyncio module, and names of its run(). */
function importedNames(lines: Line[]): { modules: Set<string>; runs: Set<string> } {
  const modules = new Set<string>();
  const runs = new Set<string>();
  for (const { tokens: t } of lines) {
    const head = t[0]?.text;
    if (head === 'import') {
      // import a, asyncio as aio, uasyncio
      for (let k = 1; k < t.length; k++) {
        if (t[k]!.kind !== 'name' || !MODULES.has(t[k]!.text) || t[k - 1]!.text === '.' || t[k + 1]?.text === '.') continue;
        if (t[k + 1]?.text === 'as' && t[k + 2]) modules.add(t[k + 2]!.text);
        else modules.add(t[k]!.text);
      }
    } else if (head === 'from' && t[1] && MODULES.has(t[1].text) && t[2]?.text === 'import') {
      for (let k = 3; k < t.length; k++) {
        if (t[k]!.text !== 'run') continue;
        runs.add(t[k + 1]?.text === 'as' && t[k + 2] ? t[k + 2]!.text : 'run');
      }
    }
  }
  return { modules, runs };
}

/** Rewrites the top-level asyncio.run() calls of a firmware file; returns the text unchanged if it has none. */
export function awaitTopLevelRuns(src: string): string {
  const lines = logicalLines(src);
  const { modules, runs } = importedNames(lines);
  if (modules.size === 0 && runs.size === 0) return src;
  const edits: { at: number; end: number; text: string }[] = [];
  /** Indentation of the def/class headers whose bodies we are in. */
  const scopes: number[] = [];
  for (const line of lines) {
    while (scopes.length > 0 && line.indent <= scopes.at(-1)!) scopes.pop();
    const t = line.tokens;
    const head = t[0]?.text === 'async' ? t[1]?.text : t[0]?.text;
    if (head === 'def' || head === 'class') {
      scopes.push(line.indent);
      continue;
    }
    if (scopes.length > 0) continue;
    // A comprehension is a function of its own: no await may go inside one, so a line with one
    // is left as it is (rare at top level; run() then blocks).
    const comprehension = t.some((x) => x.text === 'for' && x.depth > 0);
    for (let k = 0; k < t.length; k++) {
      const tok = t[k]!;
      if (tok.text === 'lambda') break; // the rest of the line may be a lambda's body
      if (tok.kind !== 'name' || (tok.depth > 0 && comprehension)) continue;
      const prev = t[k - 1];
      if (prev && (prev.text === '.' || prev.text === 'await' || prev.text === 'def')) continue;
      if (modules.has(tok.text) && t[k + 1]?.text === '.' && t[k + 2]?.text === 'run' && t[k + 3]?.text === '(') {
        edits.push({ at: tok.at, end: tok.at, text: 'await ' });
        edits.push({ at: t[k + 2]!.at, end: t[k + 2]!.at + 3, text: TOP_LEVEL_RUN });
        k += 3;
      } else if (runs.has(tok.text) && t[k + 1]?.text === '(') {
        edits.push({ at: tok.at, end: tok.at + tok.text.length, text: `await __import__("asyncio").${TOP_LEVEL_RUN}` });
        k += 1;
      }
    }
  }
  let out = src;
  for (const e of edits.sort((a, b) => b.at - a.at)) out = out.slice(0, e.at) + e.text + out.slice(e.end);
  return out;
}
