// A virtual Pico runs real MicroPython in its own worker: console, LED, sleep, a Pico-sized heap
// with MemoryError at its limit, tracebacks, reboot, and isolation between boards.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PICO_W_HEAP_BYTES, VirtualPico } from '../../src-main/pico/board.ts';
import { Radio } from '../../src-main/radio/radio.ts';
import { pyBytes, waitConsole } from './console.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const firmware = (main: string, extra: Record<string, string> = {}): Record<string, Uint8Array> =>
  Object.fromEntries(Object.entries({ 'main.py': main, ...extra }).map(([k, v]) => [k, enc(v)]));

let radio: Radio;
let picos: VirtualPico[];
beforeEach(() => {
  radio = new Radio();
  picos = [];
});
afterEach(async () => {
  for (const p of picos) await p.close();
  radio.close();
});

function pico(name: string, main: string, extra?: Record<string, string>, heap?: { heapBytes?: number; heapMode?: 'strict' | 'warn' }): VirtualPico {
  const p = new VirtualPico(radio, { name, files: firmware(main, extra), ...heap });
  picos.push(p);
  return p;
}


describe('a virtual Pico', () => {
  it('boots MicroPython, runs main.py, prints to its console and drives its LED', async () => {
    const p = pico(
      'p1',
      `
import sys, time, machine
led = machine.Pin("LED", machine.Pin.OUT)
led.on()
t = time.ticks_ms()
time.sleep_ms(120)
print("slept", time.ticks_diff(time.ticks_ms(), t))
print("id", machine.unique_id())
us = set()
t0 = time.ticks_us()
while len(us) < 50:
    us.add(time.ticks_us() % 1000)
print("us", time.ticks_diff(time.ticks_us(), t0) < 100000)
print("impl", sys.implementation.name, sys.implementation.version[:2])
`,
    );
    const leds: boolean[] = [];
    p.on('led', (v) => leds.push(v));
    const boot = await p.powerOn();
    expect(boot.heapFree).toBeGreaterThan(PICO_W_HEAP_BYTES - 8 * 1024);
    expect(boot.heapFree).toBeLessThan(PICO_W_HEAP_BYTES + 8 * 1024);
    const slept = Number((await waitConsole(p, /^slept /)).split(' ')[1]);
    expect(slept).toBeGreaterThanOrEqual(120);
    expect(slept).toBeLessThan(200);
    expect(await waitConsole(p, /^id /)).toBe(`id ${pyBytes(p.uniqueId)}`);
    expect(await waitConsole(p, /^impl /)).toBe('impl micropython (1, 27)');
    // ticks_us has microsecond resolution: 50 different sub-millisecond values in under 0.1 s.
    expect(await waitConsole(p, /^us /)).toBe('us True');
    expect(leds).toEqual([true]);
    expect(p.led).toBe(true);
  });

  it('in strict heap mode raises MemoryError inside the firmware at the Pico-sized heap', async () => {
    const p = pico(
      'p1',
      `
import gc
gc.collect()
print("free", gc.mem_free())
n = 0
l = []
try:
    while True:
        l.append(bytearray(1000))
        n += 1
except MemoryError:
    print("MemoryError after", n)
`,
      undefined,
      { heapMode: 'strict' },
    );
    await p.powerOn();
    const free = Number((await waitConsole(p, /^free /)).split(' ')[1]);
    expect(free).toBeGreaterThan(PICO_W_HEAP_BYTES - 16 * 1024);
    const n = Number((await waitConsole(p, /^MemoryError after /)).split(' ')[2]);
    // Each bytearray(1000) takes 1,008 octets plus its object; the list's growth takes more.
    expect(n * 1000).toBeGreaterThan(free * 0.8);
    expect(n * 1000).toBeLessThan(free);
  });

  it('a smaller heap setting runs out sooner', async () => {
    const p = pico('p1', 'l = []\ntry:\n    while True: l.append(bytearray(1000))\nexcept MemoryError:\n    print("MemoryError after", len(l))\n', undefined, { heapBytes: 64 * 1024, heapMode: 'strict' });
    await p.powerOn();
    const n = Number((await waitConsole(p, /^MemoryError after /)).split(' ')[2]);
    expect(n).toBeGreaterThan(40);
    expect(n).toBeLessThan(64);
  });

  it('in the default warn heap mode tells the console, with figures, when live data passes the limit', async () => {
    const p = pico('p1', 'import asyncio\nkeep = []\nasync def main():\n    for i in range(300):\n        keep.append(bytearray(1000))\n        await asyncio.sleep_ms(1)\n    print("done", len(keep))\nasyncio.run(main())\n');
    const warning = new Promise<string>((r) => p.once('warning', r));
    await p.powerOn();
    expect(await warning).toMatch(/^heap: \d+ bytes of live data, more than the \d+ a Pico W has; on a board this firmware would raise MemoryError$/);
    await waitConsole(p, /^done 300$/);
  });

  it('prints an uncaught exception with its traceback, and can be rebooted', async () => {
    const p = pico('p1', 'import helper\nprint("booting")\nhelper.crash()\n', { 'helper.py': 'def crash():\n    raise ValueError("broken sensor")\n' });
    const exited = new Promise<string | null>((r) => p.once('main-exited', r));
    await p.powerOn();
    expect(await exited).toBe('exception');
    await waitConsole(p, /^ValueError: broken sensor$/);
    const tb = p.console.join('\n');
    expect(tb).toMatch(/Traceback \(most recent call last\):\n {2}File "main.py", line 3, in <module>\n {2}File "helper.py", line 2, in crash\nValueError: broken sensor/);
    p.console.length = 0;
    await p.reboot();
    await waitConsole(p, /^booting$/);
  });

  it("one board's crash or power loss never touches another board or the radio", async () => {
    const a = pico('a', 'raise RuntimeError("a dies")\n');
    const b = pico('b', 'import time\nfor i in range(30):\n    print("tick", i)\n    time.sleep_ms(20)\n');
    await Promise.all([a.powerOn(), b.powerOn()]);
    await waitConsole(a, /RuntimeError: a dies/);
    await a.powerOff();
    expect(a.state).toBe('off');
    expect(radio.get('a').controller.isPowered).toBe(false);
    await waitConsole(b, /^tick 29$/);
    expect(b.state).toBe('running');
  });

  it('says what a Pico W says: sys.platform, sys.implementation, os.uname(), rp2', async () => {
    const main = [
      'import sys, os, rp2',
      'print(sys.platform)',
      'print(sys.implementation)',
      'print(sys.implementation._machine, sys.implementation._mpy & 0xff)',
      'print(os.uname())',
      'print("/lib" in sys.path, rp2.bootsel_button())',
      'try:',
      '    rp2.dht_readinto(None, bytearray(5))',
      'except OSError as e:',
      '    print("dht", e.errno)',
      '',
    ].join('\n');
    const p = pico('p1', main);
    const exited = new Promise<string | null>((r) => p.once('main-exited', r));
    await p.powerOn();
    expect(await exited).toBeNull();
    expect(p.console).toEqual([
      'rp2',
      "(name='micropython', version=(1, 27, 0, ''), _machine='Raspberry Pi Pico W with RP2040', _mpy=4870, _build='RPI_PICO_W')",
      'Raspberry Pi Pico W with RP2040 6',
      "(sysname='rp2', nodename='rp2', release='1.27.0', version='v1.27.0 on 2025-12-10', machine='Raspberry Pi Pico W with RP2040')",
      'True 0',
      'dht 110',
    ]);
  });

  it('asyncio.run() at top level returns when its task ends, and garbage is collected while it runs', async () => {
    // 300 KB of garbage in 3 KB steps: in strict mode only a heap that is collected survives it.
    const main = [
      'import asyncio',
      'async def main():',
      '    for i in range(100):',
      '        junk = [bytearray(1000) for _ in range(3)]',
      '        await asyncio.sleep_ms(1)',
      '    return "ok"',
      'try:',
      '    print("run gave", asyncio.run(main()))',
      'finally:',
      '    print("finally")',
      'print("after")',
      '',
    ].join('\n');
    const p = pico('p1', main, undefined, { heapMode: 'strict' });
    const exited = new Promise<string | null>((r) => p.once('main-exited', r));
    await p.powerOn();
    expect(await exited).toBeNull();
    expect(p.console.slice(-3)).toEqual(['run gave ok', 'finally', 'after']);
  });

  it("a task's exception comes out of asyncio.run(), with main.py's line numbers", async () => {
    const p = pico('p1', 'import asyncio\nasync def main():\n    raise ValueError("bad reading")\nasyncio.run(main())\nprint("not reached")\n');
    const exited = new Promise<string | null>((r) => p.once('main-exited', r));
    await p.powerOn();
    expect(await exited).toBe('exception');
    const tb = p.console.join('\n');
    expect(tb).toContain('File "main.py", line 4, in <module>');
    expect(tb).toContain('File "main.py", line 3, in main');
    expect(tb).toContain('ValueError: bad reading');
    expect(tb).not.toContain('not reached');
    expect(tb).not.toContain("Task exception wasn't retrieved");
  });

  it('runs asyncio firmware: asyncio.run, ThreadSafeFlag, gather, wait_for_ms, cancellation', async () => {
    const p = pico(
      'p1',
      `
import asyncio
flag = asyncio.ThreadSafeFlag()
async def setter():
    await asyncio.sleep_ms(20)
    flag.set()
async def slow(ms=1000):
    await asyncio.sleep_ms(ms)
async def main():
    asyncio.create_task(setter())
    await flag.wait()
    print("flag")
    r = await asyncio.gather(slow(5), slow(6))
    print("gather", len(r))
    try:
        await asyncio.wait_for_ms(slow(), 30)
    except asyncio.TimeoutError:
        print("timeout")
    t = asyncio.create_task(slow())
    await asyncio.sleep_ms(5)
    t.cancel()
    try:
        await t
    except asyncio.CancelledError:
        print("cancelled")
asyncio.run(main())
`,
    );
    await p.powerOn();
    await waitConsole(p, /^cancelled$/);
    expect(p.console.filter((l) => /^(flag|gather 2|timeout|cancelled)$/.test(l))).toEqual(['flag', 'gather 2', 'timeout', 'cancelled']);
  });

  it('machine.reset() restarts the board', async () => {
    const p = pico('p1', 'import machine, time\nprint("up")\ntime.sleep_ms(50)\nmachine.reset()\n');
    let boots = 0;
    p.on('booted', () => boots++);
    await p.powerOn();
    await vi.waitFor(() => {
      expect(boots).toBeGreaterThanOrEqual(2);
      expect(p.console.filter((l) => l === 'up').length).toBeGreaterThanOrEqual(2);
    }, { timeout: 1_550, interval: 50 });
  });
});

