// machine on a virtual Pico W as on MicroPython 1.27's rp2 port: virtual timers calling back in
// scheduler context, the RTC, the watchdog (run by the main thread, so it catches a firmware
// stuck in a loop), resets and their reported cause, and the sleeps.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { VirtualPico } from '../../src-main/pico/board.ts';
import { Radio } from '../../src-main/radio/radio.ts';
import { waitConsole } from './console.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

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

function pico(main: string): VirtualPico {
  const p = new VirtualPico(radio, { name: `p${picos.length + 1}`, files: { 'main.py': enc(main) } });
  picos.push(p);
  return p;
}

/** Resolves with the time (performance.now) of the board's next reset or power-off. */
function nextRestart(p: VirtualPico): Promise<number> {
  return new Promise((resolve) => {
    const on = (s: string): void => {
      if (s !== 'off') return;
      p.off('state', on);
      resolve(performance.now());
    };
    p.on('state', on);
  });
}

/** The time (performance.now) a console line matching `pattern` is printed. */
async function lineAt(p: VirtualPico, pattern: RegExp): Promise<number> {
  await waitConsole(p, pattern);
  return performance.now();
}

it('Timer: periodic at its period without drift, one-shot once, freq= and tick_hz=, deinit stops it, only virtual timers', async () => {
  const p = pico(`
import time
from machine import Timer
ticks = []
t = Timer(period=50, callback=lambda t: ticks.append(time.ticks_ms()))
t0 = time.ticks_ms()
time.sleep_ms(525)
t.deinit()
time.sleep_ms(120)
print("periodic", " ".join(str(time.ticks_diff(x, t0)) for x in ticks))
once = []
Timer(-1, mode=Timer.ONE_SHOT, period=30, callback=lambda t: once.append(t))
time.sleep_ms(150)
print("one-shot", len(once))
n = []
tf = Timer(freq=40, callback=lambda t: n.append(1))
time.sleep_ms(270)
tf.deinit()
print("freq", len(n), tf)
tk = Timer(mode=Timer.PERIODIC, period=3, tick_hz=100, callback=None)
print(tk)
tk.deinit()
print(Timer())
for bad in (lambda: Timer(0), lambda: Timer(-1, 5), lambda: Timer(period=5, foo=1)):
    try:
        bad()
    except Exception as e:
        print(type(e).__name__, e)
print("done")
`);
  await p.powerOn();
  await waitConsole(p, /^done$/);
  const ticks = (await waitConsole(p, /^periodic /)).split(' ').slice(1).map(Number);
  expect(ticks).toHaveLength(10);
  // Each tick is due at k * 50 ms from the start, whatever the lateness of the one before.
  ticks.forEach((t, k) => {
    expect(t).toBeGreaterThanOrEqual((k + 1) * 50 - 2);
    expect(t).toBeLessThan((k + 1) * 50 + 20);
  });
  expect(p.console).toContain('one-shot 1');
  expect(p.console).toContain('freq 10 Timer(mode=PERIODIC, tick_hz=1000000, period=25000)');
  expect(p.console).toContain('Timer(mode=PERIODIC, tick_hz=1000000, period=30000)');
  expect(p.console).toContain('Timer(mode=ONE_SHOT, tick_hz=1000000, period=0)');
  expect(p.console).toContain("ValueError Timer doesn't exist");
  expect(p.console).toContain('TypeError extra positional arguments given');
  expect(p.console).toContain("TypeError unexpected keyword argument 'foo'");
});

it('Timer callbacks run in scheduler context: never nested, exceptions printed and the timer goes on; hard=True locks the heap and an exception stops it', async () => {
  const p = pico(`
import time
from machine import Timer
depth = deepest = runs = 0
def slow(t):
    global depth, deepest, runs
    depth += 1
    deepest = max(deepest, depth)
    runs += 1
    time.sleep_ms(30)
    depth -= 1
t = Timer(period=10, callback=slow)
time.sleep_ms(200)
t.deinit()
print("nested", deepest, runs > 3)
n = 0
def bad(t):
    global n
    n += 1
    raise ValueError("sensor %d" % n)
t = Timer(period=20, callback=bad)
time.sleep_ms(70)
t.deinit()
print("soft errors", n)
hits = 0
def hard(t):
    global hits
    hits += 1
    if hits == 3:
        bytearray(8)
Timer(period=10, callback=hard, hard=True)
time.sleep_ms(100)
print("hard", hits)
`);
  await p.powerOn();
  await waitConsole(p, /^hard /);
  expect(p.console).toContain('nested 1 True');
  expect(p.console).toContain('soft errors 3');
  expect(p.console).toContain('hard 3');
  const text = p.console.join('\n');
  // The firmware's own frame only, as the board prints it: no runtime frame above it.
  expect(text).toMatch(/Traceback \(most recent call last\):\n {2}File "[^"]+", line \d+, in bad\nValueError: sensor 1/);
  expect(text).toContain('ValueError: sensor 3');
  expect(text).not.toContain('_pico');
  expect(text).toMatch(/Uncaught exception in IRQ callback handler\nMemoryError/);
});

it('RTC: starts at 2021-01-01 on every boot, keeps time once set, recomputes the weekday, refuses what rp2 refuses', async () => {
  const p = pico(`
import time
from machine import RTC
r = RTC()
print("boot", r.datetime())
r.datetime((2024, 2, 29, 6, 23, 59, 58, 123))
print("set", r.datetime())
time.sleep_ms(2100)
print("later", r.datetime())
r.datetime([1999, 12, 31, 0, 12, 0, 0, 0])
print("weekday", r.datetime()[3])
for bad in (lambda: r.datetime((2024, 1, 1)), lambda: r.datetime((2024, 13, 1, 0, 0, 0, 0, 0)), lambda: r.datetime("x"), lambda: RTC(0)):
    try:
        bad()
    except Exception as e:
        print(type(e).__name__, e)
print("done")
`);
  await p.powerOn();
  await waitConsole(p, /^done$/);
  expect(await waitConsole(p, /^boot /)).toMatch(/^boot \(2021, 1, 1, 4, 0, 0, [0-2], 0\)$/);
  // 2024-02-29 was a Thursday (3, counting from Monday); the weekday given is ignored.
  expect(p.console).toContain('set (2024, 2, 29, 3, 23, 59, 58, 0)');
  expect(await waitConsole(p, /^later /)).toMatch(/^later \(2024, 3, 1, 4, 0, 0, [01], 0\)$/);
  expect(p.console).toContain('weekday 4');
  expect(p.console).toContain('ValueError requested length 8 but object has length 3');
  expect(p.console).toContain('OSError [Errno 22] EINVAL');
  expect(p.console).toContain("TypeError object 'str' isn't a tuple or list");
  expect(p.console).toContain('TypeError function takes 0 positional arguments but 1 were given');
});

it('WDT: rp2 limits, a fed watchdog keeps the board up, and one not fed resets a board stuck in `while True: pass`, after which reset_cause() is WDT_RESET', async () => {
  const p = pico(`
import machine, time
print("cause", machine.reset_cause())
if machine.reset_cause() == machine.PWRON_RESET:
    for bad in (lambda: machine.WDT(timeout=8389), lambda: machine.WDT(timeout=-1), lambda: machine.WDT(1, 1000)):
        try:
            bad()
        except ValueError as e:
            print(e)
    w = machine.WDT(timeout=300)
    for i in range(4):
        time.sleep_ms(200)
        w.feed()
    print("stuck")
    while True:
        pass
`);
  await p.powerOn();
  const restart = nextRestart(p);
  const stuck = await lineAt(p, /^stuck$/);
  const reset = await restart;
  expect(reset - stuck).toBeGreaterThanOrEqual(290);
  expect(reset - stuck).toBeLessThan(450);
  await waitConsole(p, /^cause 3$/);
  expect(p.console.slice(0, 5)).toEqual(['cause 1', 'timeout exceeds 8388', 'timeout exceeds 8388', "WDT(1) doesn't exist", 'stuck']);
});

it('reset_cause(): PWRON_RESET at power-on and after reboot(), WDT_RESET after machine.reset() (rp2 resets through the watchdog)', async () => {
  const p = pico(`
import machine, time
print("cause", machine.reset_cause(), machine.PWRON_RESET, machine.WDT_RESET)
if machine.reset_cause() == machine.PWRON_RESET:
    time.sleep_ms(50)
    machine.reset()
`);
  await p.powerOn();
  await waitConsole(p, /^cause 3 1 3$/);
  expect(p.console.slice(0, 2)).toEqual(['cause 1 1 3', 'cause 3 1 3']);
  p.console.length = 0;
  await p.reboot();
  expect(await waitConsole(p, /^cause /)).toBe('cause 1 1 3');
});

it('deepsleep(ms) resets the board after ms, with WDT_RESET as the cause; lightsleep(ms) blocks like sleep_ms', async () => {
  const p = pico(`
import machine, time
print("cause", machine.reset_cause())
t = time.ticks_ms()
machine.lightsleep(100)
print("light", time.ticks_diff(time.ticks_ms(), t))
try:
    machine.lightsleep(4294967)
except ValueError as e:
    print(e)
if machine.reset_cause() == machine.PWRON_RESET:
    print("deep")
    machine.deepsleep(400)
    print("never")
`);
  await p.powerOn();
  const restart = nextRestart(p);
  const deep = await lineAt(p, /^deep$/);
  const reset = await restart;
  expect(reset - deep).toBeGreaterThanOrEqual(395);
  expect(reset - deep).toBeLessThan(600);
  await waitConsole(p, /^cause 3$/);
  expect(p.console).not.toContain('never');
  const light = Number((await waitConsole(p, /^light /)).split(' ')[1]);
  expect(light).toBeGreaterThanOrEqual(100);
  expect(light).toBeLessThan(140);
  expect(p.console).toContain('sleep too long');
});

it('soft_reset() keeps the reset cause, and a running watchdog keeps counting through it', async () => {
  const p = pico(`
import machine, time
print("first", machine.reset_cause())
machine.WDT(timeout=2000)
time.sleep_ms(500)
machine.soft_reset()
`);
  await p.powerOn();
  await waitConsole(p, /^first 1$/);
  // The firmware after the soft reset never touches the watchdog. The 500 ms before the reset give
  // the test time to swap main.py; the 2 s timeout leaves the new boot (about 200 ms) time to print
  // before the watchdog, still counting, resets the board.
  p.setFiles({ 'main.py': enc('import machine, time\nprint("again", machine.reset_cause())\nwhile True:\n    time.sleep_ms(50)\n') });
  await waitConsole(p, /^again 1$/);
  await waitConsole(p, /^again 3$/, 3000);
});

it('lightsleep() without a time sleeps until the radio chip has something for the host, timers going on meanwhile', async () => {
  const p = pico(`
import machine, time, bluetooth
ticks = []
machine.Timer(period=20, callback=lambda t: ticks.append(1))
ble = bluetooth.BLE()
ble.active(True)
ble.gap_scan(400, 30000, 30000)
time.sleep_ms(100)
t0 = time.ticks_ms()
machine.lightsleep()
print("woke", time.ticks_diff(time.ticks_ms(), t0), len(ticks) > 10)
`);
  await p.powerOn();
  // The scan's end is the first HCI traffic after the sleep starts: 300 ms in.
  const [woke, many] = (await waitConsole(p, /^woke /)).split(' ').slice(1);
  expect(Number(woke)).toBeGreaterThanOrEqual(250);
  expect(Number(woke)).toBeLessThan(600);
  expect(many).toBe('True');
});

it('idle() sleeps until an interrupt or 1 ms, as rp2 mp_machine_idle (MICROPY_INTERNAL_WFE(1)) does, and wakes for a timer callback', async () => {
  const p = pico(`
import time, machine
from machine import Timer
n = 0
t0 = time.ticks_ms()
while time.ticks_diff(time.ticks_ms(), t0) < 100:
    machine.idle()
    n += 1
print("idles", n)
fired = []
Timer(-1, mode=Timer.ONE_SHOT, period=20, callback=lambda t: fired.append(1))
while not fired:
    machine.idle()
print("woke")
`);
  await p.powerOn();
  await waitConsole(p, /^woke$/);
  // Nothing happens on the board meanwhile, so each idle() lasts its 1 ms: a spinning idle()
  // would count tens of thousands.
  const idles = Number(/^idles (\d+)$/.exec(p.console.find((l) => l.startsWith('idles'))!)![1]);
  expect(idles).toBeGreaterThan(0);
  expect(idles).toBeLessThanOrEqual(110);
});
