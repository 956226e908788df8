// A virtual Pico's USB serial port, driven over a pseudo-terminal as mpremote drives a board:
// the friendly REPL and its banner, the raw REPL's framing octet for octet (pyexec.c
// pyexec_raw_repl), raw-paste with its flow-control window, files that outlive a soft reset,
// and Ctrl-C into running code. The client is the installer's own (src-main/usb/raw-repl.ts,
// after transport_serial.py), on the port as serial-open.ts opens a board's.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualPico } from '../../src-main/pico/board.ts';
import { Radio } from '../../src-main/radio/radio.ts';
import type { RawRepl } from '../../src-main/usb/raw-repl.ts';
import { REPL_BANNER as BANNER, startUsbBoard, type UsbBoard } from './usb-board.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

let board: UsbBoard;
let dir: string;
let pico: VirtualPico;
let client: RawRepl;

/**
 * transport_serial.py exec_raw_no_follow, with raw-paste or (as pyboard.py falls back to) plain
 * raw mode: the code, Ctrl-D, "OK".
 */
async function send(code: string, rawPaste = false): Promise<void> {
  client.useRawPaste = rawPaste;
  await client.execNoFollow(code);
}

/** exec_raw: send, then follow's output and error output. */
async function exec(code: string, rawPaste = false): Promise<{ out: string; err: string }> {
  await send(code, rawPaste);
  return client.follow();
}

beforeAll(async () => {
  board = await startUsbBoard({ 'main.py': 'print("hello from main")\n' });
  ({ dir, pico, repl: client } = board);
}, 30_000);

afterAll(async () => {
  await board?.close();
});

describe("a virtual Pico's USB serial port", () => {
  it('prints main.py, then the friendly REPL with the board banner; a line runs with its value echoed', async () => {
    const boot = await client.readUntil('>>> ');
    expect(boot).toBe(`hello from main\r\n${BANNER}`);
    await client.write('1+1\r');
    expect(await client.readUntil('>>> ')).toBe('1+1\r\n2\r\n>>> ');
    await client.write('1/0\r');
    expect(await client.readUntil('>>> ')).toBe(
      '1/0\r\nTraceback (most recent call last):\r\n  File "<stdin>", line 1, in <module>\r\nZeroDivisionError: divide by zero\r\n>>> ',
    );
    // Auto-indent (readline.c readline_auto_indent): a block typed as a person does at
    // `mpremote repl` ends with Enter on two empty levels; backspace takes back a whole level.
    await client.write('for i in range(2):\r');
    await client.write('print(i)\r');
    await client.write('\r\r\r');
    expect(await client.readUntil('>>> ')).toBe('for i in range(2):\r\n...     print(i)\r\n...     \r\n...     \r\n... \r\n0\r\n1\r\n>>> ');
    await client.write('if 1:\ry = 5\r\x7f\r');
    expect(await client.readUntil('>>> ')).toBe('if 1:\r\n...     y = 5\r\n...     \b\b\b\b\x1b[K\r\n>>> ');
    // Pasted lines bring their own indentation: a space right after the auto-indent takes 3 of
    // its 4 spaces back and turns it off for the statement.
    await client.write('for i in range(2):\r');
    await client.write('    print(i)\r');
    await client.write('\r');
    expect(await client.readUntil('>>> ')).toBe('for i in range(2):\r\n...     \b\b\b   print(i)\r\n... \r\n0\r\n1\r\n>>> ');
    // Ctrl-D at the prompt: a soft reset, which runs main.py again (ports/rp2/main.c).
    await client.write('\x04');
    expect(await client.readUntil('>>> ', { timeoutMs: 20_000 })).toBe(`\r\nMPY: soft reboot\r\nhello from main\r\n${BANNER}`);
  }, 30_000);

  // What host tools rely on, found running MicroPython's own pyboard.py, mpremote and Thonny's
  // backend against this port: calls that return None echo nothing (time.sleep printed
  // <undefined>); a class body may import sys (Thonny's helper; sys had a module __getattr__);
  // the filesystem answers as rp2's littlefs (extmod/vfs_lfsx.c): errors named as mpremote's
  // transport.py _convert_filesystem_error expects, stat/ilistdir tuples, "" for the current
  // folder, only the board's files at "/", uos is os; input() reads the port (it hung the board);
  // and no frame of our shims in a traceback.
  it('answers at the prompt as a board does for what mpremote and Thonny use', async () => {
    const line = async (text: string): Promise<string> => {
      await client.write(`${text}\r`);
      return client.readUntil('>>> ');
    };
    expect(await line('import time, os, machine')).toBe('import time, os, machine\r\n>>> ');
    expect(await line('time.sleep(0); time.sleep_ms(1); machine.idle()')).toBe('time.sleep(0); time.sleep_ms(1); machine.idle()\r\n>>> ');
    expect(await line('class C:\r    import sys\r')).toBe('class C:\r\n...     \b\b\b   import sys\r\n... \r\n>>> ');
    expect(await line('open("nofile")')).toBe(
      'open("nofile")\r\nTraceback (most recent call last):\r\n  File "<stdin>", line 1, in <module>\r\nOSError: [Errno 2] ENOENT\r\n>>> ',
    );
    expect(await line('os.mkdir("main.py")')).toMatch(/OSError: \[Errno 17\] EEXIST\r\n>>> $/);
    expect(await line('os.listdir("/"), os.listdir("")')).toBe('os.listdir("/"), os.listdir("")\r\n([\'main.py\'], [\'main.py\'])\r\n>>> ');
    expect(await line('list(os.ilistdir())')).toBe("list(os.ilistdir())\r\n[('main.py', 32768, 0, 25)]\r\n>>> ");
    expect(await line('os.stat("main.py")[:7], os.stat("")[0]')).toBe('os.stat("main.py")[:7], os.stat("")[0]\r\n((32768, 0, 0, 0, 0, 0, 25), 16384)\r\n>>> ');
    expect(await line('import uos; uos is os')).toBe('import uos; uos is os\r\nTrue\r\n>>> ');
    // A Pico W's 848 KB of littlefs in 4 KB blocks (not the host's disk): main.py and the
    // superblocks in use.
    expect(await line('os.statvfs("")')).toBe('os.statvfs("")\r\n(4096, 4096, 212, 209, 209, 0, 0, 0, 0, 255)\r\n>>> ');
    // input() reads the USB port as readline.c does: echo, backspace, Enter; Ctrl-C interrupts it.
    await client.write('x = input("n? ")\r');
    expect(await client.readUntil('\r\nn? ')).toBe('x = input("n? ")\r\nn? ');
    await client.write('pi\x7fico\r');
    expect(await client.readUntil('>>> ')).toBe('pi\b\x1b[Kico\r\n>>> ');
    expect(await line('x')).toBe("x\r\n'pico'\r\n>>> ");
    await client.write('input()\r');
    await client.readUntil('input()\r\n');
    await client.write('\x03');
    expect(await client.readUntil('>>> ')).toBe('Traceback (most recent call last):\r\n  File "<stdin>", line 1, in <module>\r\nKeyboardInterrupt: \r\n>>> ');
    expect(await line('1')).toBe('1\r\n1\r\n>>> ');
  }, 30_000);

  it('answers the raw REPL octet for octet: OK, output, \\x04, error output, \\x04, >', async () => {
    await client.write('\x01');
    expect(await client.readUntil('>')).toBe('\r\nraw REPL; CTRL-B to exit\r\n>');
    await client.write('print(1+1)\x04');
    expect(await client.read(8)).toBe('OK2\r\n\x04\x04>');
    await client.write('1/0\x04');
    expect(await client.readUntil('\x04>')).toBe(
      'OK\x04Traceback (most recent call last):\r\n  File "<stdin>", line 1, in <module>\r\nZeroDivisionError: divide by zero\r\n\x04>',
    );
    // Ctrl-B: back to the friendly REPL and its banner.
    await client.write('\x02');
    expect(await client.readUntil('>>> ')).toBe(`\r\n${BANNER}`);
  });

  it('raw-pastes a 20 KB file with the flow-control window, reads it back and lists it', async () => {
    await client.enterRawRepl(false);
    const body = 'PicoLink'.repeat(2560); // 20 480 octets
    const code = `f = open('big.txt', 'w')\nf.write(${JSON.stringify(body)})\nf.close()\n`;
    await send(code, true);
    // The window is MICROPY_REPL_STDIN_BUFFER_MAX / 2; one \x01 comes with its size, then one
    // for each 128 octets the board took.
    expect(client.lastRawPaste).toEqual({ windowSize: 128, increments: 1 + Math.floor(enc(code).length / 128) });
    expect(await client.follow()).toEqual({ out: '', err: '' });
    expect(await exec("print(open('big.txt').read() == 'PicoLink' * 2560, len(open('big.txt').read()))", true)).toEqual({
      out: 'True 20480\r\n',
      err: '',
    });
    const back = await exec("print(open('big.txt').read())");
    expect(back.out).toBe(`${body}\r\n`);
    // (our runtime's folders are listed too: a known difference, README "Virtual Picos")
    expect(await exec("import os\nprint([f for f in sorted(os.listdir('/')) if f.endswith(('.py', '.txt'))])")).toEqual({
      out: "['big.txt', 'main.py']\r\n",
      err: '',
    });
  });

  it('soft-resets from the raw REPL as mpremote does: main.py is skipped, files stay, variables go', async () => {
    await exec('x = 42');
    await client.enterRawRepl(true);
    expect(await exec("print(len(open('big.txt').read()))\ntry:\n    print(x)\nexcept NameError:\n    print('gone')")).toEqual({
      out: '20480\r\ngone\r\n',
      err: '',
    });
  }, 30_000);

  it("keeps the board's files in its folder, through a power cycle", async () => {
    expect(readFileSync(join(dir, 'pico1.fs', 'big.txt'), 'utf8')).toBe('PicoLink'.repeat(2560));
    // Empty folders too (`mpremote fs mkdir :d`, then a later `fs cp x.py :d/` expects it).
    await exec("f = open('note.txt', 'w')\nf.write('kept')\nf.close()\nimport os\nos.remove('big.txt')\nos.mkdir('empty')\nos.mkdir('gone')");
    expect(readFileSync(join(dir, 'pico1.fs', 'note.txt'), 'utf8')).toBe('kept');
    expect(existsSync(join(dir, 'pico1.fs', 'big.txt'))).toBe(false);
    expect(existsSync(join(dir, 'pico1.fs', 'empty'))).toBe(true);
    await exec("os.rmdir('gone')");
    expect(existsSync(join(dir, 'pico1.fs', 'gone'))).toBe(false);
    await pico.reboot();
    await client.readUntil('>>> ');
    await client.enterRawRepl(false);
    expect(await exec("import os\nprint(open('note.txt').read(), os.stat('empty')[0], 'gone' in os.listdir())")).toEqual({ out: 'kept 16384 False\r\n', err: '' });
  }, 30_000);

  it('interrupts a running loop with Ctrl-C: the KeyboardInterrupt traceback, then the prompt', async () => {
    await send('i = 0\nwhile True:\n    i += 1\n');
    await new Promise((r) => setTimeout(r, 300));
    await client.write('\x03');
    expect(await client.follow()).toEqual({
      out: '',
      err: 'Traceback (most recent call last):\r\n  File "<stdin>", line 3, in <module>\r\nKeyboardInterrupt: \r\n',
    });
    // The prompt '>' follows; the next exec reads it, as pyboard.py's does.
    // ... also inside time.sleep, at once (not when the sleep would have ended).
    await send('import time\nprint("sleeping")\nwhile True:\n    time.sleep(60)\n');
    await client.readUntil('sleeping\r\n');
    const t0 = Date.now();
    await client.write('\x03');
    expect((await client.follow()).err).toMatch(/^Traceback \(most recent call last\):\r\n {2}File "<stdin>", line \d, in <module>\r\nKeyboardInterrupt: \r\n$/);
    expect(Date.now() - t0).toBeLessThan(2000);
    // ... and in the code's last statement, raised in the sleep with the line that slept, as
    // ports/rp2 mp_hal_delay_ms does (mp_event_handle_nowait -> mp_handle_pending); Thonny's shell
    // showed the frame of its own helper after the sleep.
    await send('import time\nprint("sleeping")\ntime.sleep(60)\n');
    await client.readUntil('sleeping\r\n');
    await client.write('\x03');
    expect(await client.follow()).toEqual({ out: '', err: 'Traceback (most recent call last):\r\n  File "<stdin>", line 3, in <module>\r\nKeyboardInterrupt: \r\n' });
    // ... and inside asyncio.
    await send('import asyncio\nasync def f():\n    print("waiting")\n    while True:\n        await asyncio.sleep(60)\nasyncio.run(f())\n');
    await client.readUntil('waiting\r\n');
    const t1 = Date.now();
    await client.write('\x03');
    expect((await client.follow()).err).toMatch(/KeyboardInterrupt: \r\n$/);
    expect(Date.now() - t1).toBeLessThan(2000);
    // The REPL is fine afterwards.
    expect(await exec('print(i > 0)')).toEqual({ out: 'True\r\n', err: '' });
  }, 30_000);
});

describe('Ctrl-C into main.py, over the in-process USB port (usb: true)', () => {
  // pyboard.py enter_raw_repl and mpremote send "\r\x03" (Ctrl-C twice) and "\r\x01" back to back:
  // what follows the interrupt character stays in the board's stdin ring buffer and what comes
  // before it is dropped (shared/tinyusb/mp_usbd_cdc.c tud_cdc_rx_cb), so the board lands in the
  // raw REPL however the octets arrive.
  it('keeps what follows Ctrl-C in one write: interrupt main.py and enter the raw REPL at once', async () => {
    const r = new Radio();
    const main = 'import asyncio\nasync def main():\n    print("main running")\n    while True:\n        await asyncio.sleep(60)\nasyncio.run(main())\n';
    const p = new VirtualPico(r, { name: 'p3', files: { 'main.py': enc(main) }, usb: true });
    let out = '';
    p.on('usb', (b) => (out += String.fromCharCode(...b)));
    try {
      await p.powerOn();
      await expect.poll(() => out.includes('main running\r\n'), { timeout: 15_000 }).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 300));
      p.usbWrite(enc('x\x03\x03\r\x01'));
      await expect.poll(() => out.endsWith('raw REPL; CTRL-B to exit\r\n>'), { timeout: 15_000 }).toBe(true);
      // "x" came before the interrupt: dropped, so no NameError; the \r gives a fresh prompt.
      expect(out).toMatch(/KeyboardInterrupt: \r\nMicroPython v1\.27\.0[^\n]*\r\nType "help\(\)" for more information\.\r\n>>> \r\n>>> \r\nraw REPL; CTRL-B to exit\r\n>$/);
    } finally {
      await p.close();
      r.close();
    }
  }, 30_000);

  it.each([
    ['a time.sleep loop', 'import time\nprint("main running")\nwhile True:\n    time.sleep_ms(100)\n', '  File "main.py", line 4, in <module>\r\n'],
    // The traceback shows this build's asyncio frame (README "Known differences"); the board
    // does not crash, the loop's tasks stop and code after asyncio.run() does not run.
    [
      'a top-level asyncio.run()',
      'import asyncio\nasync def main():\n    print("main running")\n    while True:\n        await asyncio.sleep(60)\nasyncio.run(main())\nprint("after")\n',
      '  File "asyncio/core.py", line 1, in _run_iter\r\n',
    ],
  ])('stops %s with its traceback, then gives the friendly REPL', async (_what, main, frame) => {
    const r = new Radio();
    const p = new VirtualPico(r, { name: 'p2', files: { 'main.py': enc(main) }, usb: true });
    let out = '';
    const seen = (s: string): Promise<void> =>
      new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no ${JSON.stringify(s)} in ${JSON.stringify(out)}`)), 15_000);
        const check = (): void => {
          if (!out.includes(s)) return;
          clearTimeout(t);
          p.off('usb', check);
          resolve();
        };
        p.on('usb', check);
        check();
      });
    p.on('usb', (b) => (out += String.fromCharCode(...b)));
    try {
      await p.powerOn();
      await seen('main running\r\n');
      // Well into its wait: nothing of the runtime runs until a timer of the firmware's would fire.
      await new Promise((resolve) => setTimeout(resolve, 300));
      p.usbWrite(Uint8Array.of(0x03));
      await seen('>>> ');
      expect(out).toMatch(/^main running\r\nTraceback \(most recent call last\):\r\n( {2}File .*\r\n)+KeyboardInterrupt: \r\n/);
      expect(out.startsWith(`main running\r\nTraceback (most recent call last):\r\n${frame}`)).toBe(true);
      expect(out.endsWith(`KeyboardInterrupt: \r\n${BANNER}`)).toBe(true);
      expect(out).not.toContain('after');
      expect(p.state).toBe('running');
      // The REPL works, and no asyncio task runs on behind it.
      p.usbWrite(enc('print("repl ok")\r'));
      await seen('repl ok\r\n>>> ');
    } finally {
      await p.close();
      r.close();
    }
  }, 30_000);
});
