// A virtual Pico's friendly REPL edited over its pty as a person at `mpremote repl` or picocom edits
// it: Tab completion against the board's own namespace (py/repl.c mp_repl_autocomplete through
// _pico_boot.py _complete), history (shared/readline/readline.c up arrow) and the cursor keys,
// octet for octet as readline.c echoes them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawRepl } from '../../src-main/usb/raw-repl.ts';
import { REPL_BANNER as BANNER, startUsbBoard, type UsbBoard } from './usb-board.ts';

const UP = '\x1b[A';
const LEFT = '\x1b[D';

let board: UsbBoard;
let client: RawRepl;

/** Types `keys` and returns what the board echoes up to its next prompt. */
async function type(keys: string): Promise<string> {
  await client.write(keys);
  return client.readUntil('>>> ');
}

beforeAll(async () => {
  board = await startUsbBoard({});
  client = board.repl;
  expect(await client.readUntil('>>> ')).toBe(BANNER);
}, 30_000);

afterAll(async () => {
  await board?.close();
});

describe("a virtual Pico's friendly REPL line editing", () => {
  it('completes names from __main__ and attributes of what they hold, and lists several matches', async () => {
    expect(await type('import machine\r')).toBe('import machine\r\n>>> ');
    // "machine.Pi" -> "n" (the one match), "mach" -> "ine" (the one global).
    expect(await type('machine.Pi\t is mach\t.Pin\r')).toBe('machine.Pin is machine.Pin\r\nTrue\r\n>>> ');
    // Two matches with no longer common prefix: print_completions' 16-column slots on a line of
    // their own, then the prompt and the line so far; Ctrl-C cancels the line.
    // (The order is the build's qstr order, which dir() shares.)
    expect(await type('machine.Pin.PULL_\t')).toBe('machine.Pin.PULL_\r\nPULL_UP         PULL_DOWN\r\n>>> ');
    expect(await type('\x03')).toBe('machine.Pin.PULL_\r\n>>> ');
    // The common prefix of reset and reset_cause.
    expect(await type('machine.res\t\x03')).toBe('machine.reset\r\n>>> ');
    // A chain that does not resolve completes nothing.
    expect(await type('nothing.x\t\x03')).toBe('nothing.x\r\n>>> ');
  });

  it('recalls the last statements with the up arrow, and inserts where the left arrow puts the cursor', async () => {
    expect(await type('x = 40\r')).toBe('x = 40\r\n>>> ');
    expect(await type('x + 2\r')).toBe('x + 2\r\n42\r\n>>> ');
    // Up twice: "x + 2", then "x = 40" drawn over it: back 5 is ESC [ 5 D (mp_hal_move_cursor_back),
    // and a longer line needs no erase.
    expect(await type(`${UP}${UP}\r`)).toBe('x + 2\x1b[5Dx = 40\r\n>>> ');
    expect(await type(`x2${LEFT}+\r`)).toBe('x2\b+2\b\r\n42\r\n>>> ');
    // Tab on an empty first line lists __main__'s names (qstr order), not the _ ones, nor a `sys`
    // our runtime's boot imported.
    expect(await type('\t')).toBe('\r\nx               machine\r\n>>> ');
    expect(await type('\x03')).toBe('\r\n>>> ');
  });

  // py/modbuiltins.c mp_builtin_input reads its line with readline.c readline, the REPL's editor
  // with the REPL's history (MP_STATE_PORT(readline_hist)), prompt "".
  it('edits an input() line with the REPL editor and history, and the REPL then recalls it', async () => {
    expect(await type('print(123)\r')).toBe('print(123)\r\n123\r\n>>> ');
    await client.write('x = input("n? ")\r');
    expect(await client.readUntil('\r\nn? ')).toBe('x = input("n? ")\r\nn? ');
    // Up: the statement that called input() (newest), Up: print(123) over it (back 16, erase the
    // rest); Left Left, insert.
    expect(await type(`${UP}${UP}${LEFT}${LEFT}4\r`)).toBe('x = input("n? ")\x1b[16D\x1b[Kprint(123)\b\b43)\b\b\r\n>>> ');
    // Up at the REPL recalls the input() line.
    expect(await type(`${UP}\r`)).toBe('print(1243)\r\n1243\r\n>>> ');
    expect(await type('x\r')).toBe("x\r\n'print(1243)'\r\n>>> ");
    // Tab in input() completes from __main__ as the REPL's does.
    expect(await type('import machine\r')).toBe('import machine\r\n>>> ');
    await client.write('y = input()\r');
    await client.readUntil('y = input()\r\n');
    expect(await type('machine.Pi\t\r')).toBe('machine.Pin\r\n>>> ');
    expect(await type('y\r')).toBe("y\r\n'machine.Pin'\r\n>>> ");
    // Ctrl-D on an empty line: EOFError.
    await client.write('input()\r');
    await client.readUntil('input()\r\n');
    expect(await type('\x04')).toBe('Traceback (most recent call last):\r\n  File "<stdin>", line 1, in <module>\r\nEOFError: \r\n>>> ');
  });
});
