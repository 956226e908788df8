// The raw-REPL client's octets against a scripted board: what micropython tools/pyboard.py and
// tools/mpremote/mpremote/transport_serial.py send and expect (enter_raw_repl, exec_raw_no_follow,
// raw_paste_write, follow, exit_raw_repl), and what shared/runtime/pyexec.c answers.
import { describe, expect, it, vi } from 'vitest';
import { UsbError } from '../../src-main/usb/errors.ts';
import { ENTER_RETRY_MS, RAW_REPL_BANNER, RawRepl, ReplExecError } from '../../src-main/usb/raw-repl.ts';
import { ScriptedBoard, type Step } from './scripted-board.ts';

// pyboard.py enter_raw_repl: "\r" Ctrl-C Ctrl-C, flush, "\r" Ctrl-A.
const ENTER = '\r\x03\x03\r\x01';
// transport_serial.py exec_raw_no_follow: Ctrl-E 'A' Ctrl-A asks for raw-paste.
const RAW_PASTE = '\x05A\x01';
// pyexec.c do_reader_stdin: "R\x01", the window (128 = MICROPY_REPL_STDIN_BUFFER_MAX / 2, LE), and a first Ctrl-A.
const PASTE_OK = 'R\x01\x80\x00\x01';

const entered: Step = { after: ENTER, reply: `${RAW_REPL_BANNER}>` };

async function session(steps: Step[], run: (repl: RawRepl, board: ScriptedBoard) => Promise<void>): Promise<ScriptedBoard> {
  const board = new ScriptedBoard(steps);
  const repl = new RawRepl(board, { timeoutMs: 2_000 });
  await run(repl, board);
  expect(board.mismatch).toBeUndefined();
  expect(board.finished).toBe(true);
  return board;
}

describe('RawRepl framing', () => {
  it('enters the raw REPL past the output of an interrupted program', async () => {
    const board = await session([{ after: '\r\x03\x03', reply: 'Traceback (most recent call last):\r\nKeyboardInterrupt: \r\n>>> ' }, { after: '\r\x01', reply: `\r\n${RAW_REPL_BANNER}>` }], (repl) =>
      repl.enterRawRepl(false),
    );
    expect(board.written).toBe(ENTER);
  });

  it('soft-resets on entry as enter_raw_repl(soft_reset=True): Ctrl-D, "soft reboot", the banner again', async () => {
    const board = await session(
      [entered, { after: '\x04', reply: `OK\r\nMPY: soft reboot\r\n${RAW_REPL_BANNER}>` }, { after: `${RAW_PASTE}`, reply: PASTE_OK }, { after: 'pass\x04', reply: '\x04\x04\x04>' }],
      async (repl) => {
        await repl.enterRawRepl(true);
        expect(await repl.exec('pass')).toBe('');
      },
    );
    expect(board.written).toBe(`${ENTER}\x04${RAW_PASTE}pass\x04`);
  });

  it('raw-pastes within the window, waiting for each Ctrl-A, then Ctrl-D, and follows the output to the two \\x04', async () => {
    const code = 'x'.repeat(300);
    const board = await session(
      [
        entered,
        { after: RAW_PASTE, reply: PASTE_OK },
        // The board grants another window each time it has taken 128 octets.
        { after: code.slice(0, 128), reply: '\x01' },
        { after: code.slice(128, 256), reply: '\x01' },
        { after: `${code.slice(256)}\x04`, reply: '\x04hi\r\n\x04\x04>' },
      ],
      async (repl) => {
        await repl.enterRawRepl(false);
        expect(await repl.exec(code)).toBe('hi\r\n');
        expect(repl.lastRawPaste).toEqual({ windowSize: 128, increments: 3 });
      },
    );
    expect(board.written).toBe(`${ENTER}${RAW_PASTE}${code}\x04`);
    // The host never ran ahead of the window: when the board granted the third window the host
    // had sent exactly 256 octets of code (128 + the first Ctrl-A's 128).
    const third = board.fired.find((f) => f.step === 3)!;
    expect(third.writtenAt).toBe(third.matchEnd);
  });

  it("falls back to plain raw mode when the board answers R\\x00, and keeps to it", async () => {
    const code = 'y'.repeat(300);
    const board = await session(
      [
        entered,
        // pyexec.c: do_reader_stdin refused the command, then the raw REPL prints '>' again.
        { after: RAW_PASTE, reply: 'R\x00>' },
        { after: `${code}\x04`, reply: 'OK\x04\x04>' },
        { after: 'z\x04', reply: 'OK1\r\n\x04\x04>' },
      ],
      async (repl) => {
        await repl.enterRawRepl(false);
        expect(await repl.exec(code)).toBe('');
        expect(repl.useRawPaste).toBe(false);
        expect(await repl.exec('z')).toBe('1\r\n');
      },
    );
    expect(board.written).toBe(`${ENTER}${RAW_PASTE}${code}\x04z\x04`);
  });

  it("keeps one exec's raw-paste figures: none after an exec in plain raw mode", async () => {
    await session(
      [entered, { after: RAW_PASTE, reply: PASTE_OK }, { after: 'pass\x04', reply: '\x04\x04\x04>' }, { after: 'z\x04', reply: 'OK\x04\x04>' }],
      async (repl) => {
        await repl.enterRawRepl(false);
        await repl.exec('pass');
        expect(repl.lastRawPaste).toEqual({ windowSize: 128, increments: 1 });
        repl.useRawPaste = false;
        await repl.exec('z');
        expect(repl.lastRawPaste).toBeNull();
      },
    );
  });

  it('falls back when a board without raw-paste takes Ctrl-A as "reset raw REPL"', async () => {
    const board = await session(
      [entered, { after: RAW_PASTE, reply: `${RAW_REPL_BANNER}>` }, { after: 'print(2)\x04', reply: 'OK2\r\n\x04\x04>' }],
      async (repl) => {
        await repl.enterRawRepl(false);
        expect(await repl.exec('print(2)')).toBe('2\r\n');
      },
    );
    expect(board.written).toBe(`${ENTER}${RAW_PASTE}print(2)\x04`);
  });

  it('acknowledges a board that ends raw-paste early with Ctrl-D', async () => {
    const code = 'w'.repeat(200);
    const board = await session(
      [entered, { after: RAW_PASTE, reply: 'R\x01\x80\x00' }, { after: code.slice(0, 128), reply: '\x04' }, { after: '\x04', reply: '\x04Traceback\r\nMemoryError: \r\n\x04>' }],
      async (repl) => {
        await repl.enterRawRepl(false);
        await expect(repl.exec(code)).rejects.toMatchObject({ code: 'board-error', exceptionType: 'MemoryError' });
      },
    );
    expect(board.written).toBe(`${ENTER}${RAW_PASTE}${code.slice(0, 128)}\x04`);
  });

  it('turns the error stream into a ReplExecError with the traceback and the exception type', async () => {
    const tb = 'Traceback (most recent call last):\r\n  File "<stdin>", line 1, in <module>\r\nOSError: [Errno 2] ENOENT\r\n';
    await session([entered, { after: RAW_PASTE, reply: PASTE_OK }, { after: "open('nope')\x04", reply: `\x04partial\x04${tb}\x04>` }], async (repl) => {
      await repl.enterRawRepl(false);
      const e = await repl.exec("open('nope')").catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ReplExecError);
      expect(e).toMatchObject({ code: 'board-error', exceptionType: 'OSError', traceback: tb, out: 'partial', message: 'the board raised OSError: [Errno 2] ENOENT' });
    });
  });

  it('exits with "\\r" Ctrl-B and soft-resets from the friendly REPL so main.py runs', async () => {
    const board = await session([{ after: '\r\x02', reply: '\r\nMicroPython v1.27.0\r\nType "help()" for more information.\r\n>>> ' }, { after: '\x04', reply: '\r\nMPY: soft reboot\r\n' }], (repl) =>
      repl.softResetFriendly(),
    );
    expect(board.written).toBe('\r\x02\x04');
  });
});

describe('RawRepl waits', () => {
  it('gives up with no-answer when the board stays quiet, quoting the last octets', async () => {
    const board = new ScriptedBoard([]);
    const repl = new RawRepl(board);
    board.say('garbage');
    const e = await repl.enterRawRepl(false, { timeoutMs: 30 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UsbError);
    expect((e as UsbError).code).toBe('no-answer');
    expect(board.written).toBe(ENTER);
  });

  it('bounds a chatty port by the overall timeout, not only the quiet one', async () => {
    const board = new ScriptedBoard([]);
    const repl = new RawRepl(board);
    const noise = setInterval(() => board.say('~'), 2);
    try {
      await expect(repl.readUntil('never', { timeoutMs: 1_000, overallMs: 40 })).rejects.toMatchObject({ code: 'no-answer' });
    } finally {
      clearInterval(noise);
    }
  });

  it('sends the interrupt and Ctrl-A again when the first went unanswered', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const board = await session([{ after: ENTER }, { after: ENTER, reply: `${RAW_REPL_BANNER}>` }], async (repl) => {
        const entering = repl.enterRawRepl(false, { timeoutMs: 5_000 });
        await vi.advanceTimersByTimeAsync(ENTER_RETRY_MS);
        await entering;
      });
      expect(board.written).toBe(ENTER + ENTER);
    } finally {
      vi.useRealTimers();
    }
  });

  it('stops waiting when the signal aborts: cancelled', async () => {
    const board = new ScriptedBoard([]);
    const repl = new RawRepl(board);
    const abort = new AbortController();
    const wait = repl.readUntil('>', { signal: abort.signal });
    abort.abort();
    await expect(wait).rejects.toMatchObject({ code: 'cancelled' });
    await expect(repl.read(1, { signal: abort.signal })).rejects.toMatchObject({ code: 'cancelled' });
  });

  it('fails a wait at once when the port closes (a board unplugged)', async () => {
    const board = new ScriptedBoard([{ after: ENTER, close: true }]);
    const repl = new RawRepl(board, { timeoutMs: 60_000 });
    await expect(repl.enterRawRepl(false)).rejects.toMatchObject({ code: 'no-answer', message: expect.stringContaining('the port closed') });
    await expect(repl.write('x')).rejects.toMatchObject({ code: 'no-answer' });
  });
});
