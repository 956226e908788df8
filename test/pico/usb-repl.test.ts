// The pure parts of a board's USB port: the shared receive ring and the friendly REPL's
// continuation rule.
import { describe, expect, it } from 'vitest';
import { RING_BYTES, UsbInputReader, createUsbInput, writeUsbInput } from '../../src-main/pico/usb-input.ts';
import { autoIndentLevels } from '../../src-main/pico/readline.ts';
import { continueWithInput } from '../../src-main/pico/usb-repl.ts';

describe('USB receive ring', () => {
  it('passes octets in order across the wrap, takes only what fits, and says when it is empty', () => {
    const buf = createUsbInput();
    const reader = new UsbInputReader(buf);
    expect(reader.available).toBe(false);
    const chunk = Uint8Array.from({ length: RING_BYTES - 10 }, (_, i) => i & 0xff);
    expect(writeUsbInput(buf, chunk)).toBe(chunk.length);
    expect(reader.take()).toHaveLength(chunk.length);
    // Now 20 octets straddle the end of the ring.
    const wrap = Uint8Array.from({ length: 20 }, (_, i) => 100 + i);
    expect(writeUsbInput(buf, wrap)).toBe(20);
    expect(reader.take()).toEqual([...wrap]);
    // Full: the rest waits with the writer.
    expect(writeUsbInput(buf, new Uint8Array(RING_BYTES + 5))).toBe(RING_BYTES);
    expect(writeUsbInput(buf, Uint8Array.of(1))).toBe(0);
    expect(reader.take()).toHaveLength(RING_BYTES);
    expect(reader.available).toBe(false);
  });
});

describe('friendly REPL continuation (py/repl.c mp_repl_continue_with_input)', () => {
  it.each([
    ['1+1', false],
    ['x = (1,', true],
    ['x = (1,\n2)', false],
    ['for i in range(2):', true],
    ['for i in range(2):\n    print(i)', true],
    ['for i in range(2):\n    print(i)\n', false],
    ['@micropython.native', true],
    ['print("a:")', false],
    // An auto-indented line of spaces is not empty: the statement goes on.
    ['for i in range(2):\n    print(i)\n    ', true],
    ['s = """a', true],
    ['s = """a\nb"""', false],
    ["x = '('", false],
    ['x = [1,\n(2)', true],
    ['x = 1 + \\', true],
    ['iffy = 1', false],
  ])('%j -> %s', (src, more) => {
    expect(continueWithInput(src)).toBe(more);
  });
});

describe('friendly REPL auto-indent (shared/readline/readline.c readline_auto_indent)', () => {
  it.each([
    ['', 0],
    ['for i in range(2):\n', 1],
    ['for i in range(2):\n    if i:\n', 2],
    ['for i in range(2):\n    print(i)\n', 1],
    // After one all-space line the level stays; after two it ends, so Enter runs the block.
    ['for i in range(2):\n    print(i)\n    \n', 1],
    ['for i in range(2):\n    print(i)\n    \n    \n', 0],
    ['x = (1,\n', 0],
    ['def f(): \n', 0],
  ])('%j -> %i levels', (before, levels) => {
    expect(autoIndentLevels(before)).toBe(levels);
  });
});
