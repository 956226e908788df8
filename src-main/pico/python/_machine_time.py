# machine's timers, RTC, watchdog and sleeps on a Pico W (port rp2, MicroPython 1.27), loaded on
# first use (see machine._new): a board's are C and cost no heap, ours are Python. The JavaScript
# side (_machine, machine-bridge.ts) keeps time; each behaviour names the rp2 source it follows.
import micropython
import sys
import _pico
import _machine as _m
import machine
from machine import _int

# Timers: virtual only, as on rp2 (Timer(-1) or no id). The JavaScript side times them and
# queues their ids; _timer_irq runs the callbacks in scheduler context.
_timers = {}
_tid = 0


def _timer_irq():
    # One callback a call, as the board's scheduler runs one a pass (see machine-bridge.ts).
    i = _m.timer_next()
    while i >= 0:
        t = _timers.get(i)
        # shared/runtime/mpirq.c mp_irq_dispatch: a None handler is not called.
        if t is not None and t._cb is not None:
            _call(t, i)
            return 0
        i = _m.timer_next()
    return 0


def _call(t, i):
    if t._mode == 0:
        del _timers[i]
    if not t._hard:
        # py/scheduler.c mp_sched_run_pending: mp_call_function_1_protected prints and goes on.
        try:
            t._cb(t)
        except BaseException as e:
            _print_exception(e)
        return
    # mp_irq_dispatch, hard: the heap is locked, and an uncaught exception stops the timer.
    micropython.heap_lock()
    try:
        t._cb(t)
        micropython.heap_unlock()
    except BaseException as e:
        micropython.heap_unlock()
        t.deinit()
        print("Uncaught exception in IRQ callback handler")
        _print_exception(e)


def _print_exception(e):
    # As the board prints it: without this module's frame.
    import io

    s = io.StringIO()
    sys.print_exception(e, s)
    t = s.getvalue()
    a = t.find('  File "/_pico/_machine_time.py"')
    if a >= 0:
        t = t[:a] + t[t.find("\n", a) + 1 :]
    print(t, end="")


class Timer(machine.Timer):
    def __init__(self, id=-1, *args, **kw):
        # ports/rp2/machine_timer.c machine_timer_make_new: only virtual timers; starts only when
        # given settings.
        global _tid
        if _int(id) != -1:
            raise ValueError("Timer doesn't exist")
        _tid += 1
        self._tid = _tid
        self._mode = 0
        self._us = 0
        self._cb = None
        self._hard = False
        if args or kw:
            self.init(*args, **kw)

    def init(self, *args, mode=1, callback=None, period=0xFFFFFFFF, tick_hz=1000, freq=None, hard=False):
        # ports/rp2/machine_timer.c machine_timer_init_helper: the period in microseconds, at
        # least 1; hard= since MicroPython 1.26 (micropython#17363).
        if args:
            raise TypeError("extra positional arguments given")
        self.deinit()
        self._mode = _int(mode)
        if freq is not None:
            if not isinstance(freq, (int, float)):
                raise TypeError("can't convert %s to float" % type(freq).__name__)
            us = int(1_000_000 / freq) if freq > 0 else 0
        else:
            us = (_int(period) & 0xFFFFFFFFFFFFFFFF) * 1_000_000 // _int(tick_hz)
        self._us = us if us > 0 else 1
        self._cb = callback
        self._hard = bool(hard)
        _timers[self._tid] = self
        _m.timer_start(self._tid, self._us / 1000, 0 if self._mode == 0 else 1)

    def deinit(self):
        if _timers.pop(self._tid, None) is not None:
            _m.timer_stop(self._tid)

    def __repr__(self):
        us = self._us
        return "Timer(mode=%s, tick_hz=1000000, period=%s)" % (
            "ONE_SHOT" if self._mode == 0 else "PERIODIC",
            us if us <= 0xFFFFFFFF else "%d000" % (us // 1000),
        )


def _days(y, m, d):
    # Days from 1970-01-01 to y-m-d (proleptic Gregorian, any year).
    y -= m <= 2
    e = y // 400
    a = y - e * 400
    b = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    return e * 146097 + a * 365 + a // 4 - a // 100 + b - 719468


def _civil(z):
    # The inverse of _days: (year, month, day).
    z += 719468
    e = z // 146097
    b = z - e * 146097
    a = (b - b // 1460 + b // 36524 - b // 146096) // 365
    d = b - (365 * a + a // 4 - a // 100)
    mp = (5 * d + 2) // 153
    m = mp + (3 if mp < 10 else -9)
    return (a + e * 400 + (m <= 2), m, d - (153 * mp + 2) // 5 + 1)


class RTC(machine.RTC):
    def __init__(self, *args, **kw):
        # ports/rp2/machine_rtc.c machine_rtc_make_new takes no arguments.
        if kw:
            raise TypeError("function doesn't take keyword arguments")
        if args:
            raise TypeError("function takes 0 positional arguments but %d were given" % len(args))

    def datetime(self, dt=None):
        # ports/rp2/machine_rtc.c machine_rtc_datetime: (year, month, day, weekday with Monday 0,
        # hours, minutes, seconds, 0); a set takes 8 items, ignores the weekday and refuses values
        # outside the RTC's fields with EINVAL. It starts at 2021-01-01 on every boot (main.c).
        if dt is None:
            z = _m.rtc_days()
            s = _m.rtc_sod()
            y, m, d = _civil(z)
            return (y, m, d, (z + 3) % 7, s // 3600, s // 60 % 60, s % 60, 0)
        if not isinstance(dt, (tuple, list)):
            raise TypeError("object '%s' isn't a tuple or list" % type(dt).__name__)
        if len(dt) != 8:
            raise ValueError("requested length 8 but object has length %d" % len(dt))
        y, m, d, h, mi, s = _int(dt[0]), _int(dt[1]), _int(dt[2]), _int(dt[4]), _int(dt[5]), _int(dt[6])
        if not (0 <= y <= 4095 and 1 <= m <= 12 and 1 <= d <= 31 and 0 <= h <= 23 and 0 <= mi <= 59 and 0 <= s <= 59):
            raise OSError(22)  # EINVAL
        _m.rtc_set(_days(y, m, d), h * 3600 + mi * 60 + s)


class WDT(machine.WDT):
    def __init__(self, id=0, timeout=5000):
        # ports/rp2/machine_wdt.c mp_machine_wdt_make_new_instance: only WDT(0); the RP2040's
        # 24-bit counter at 2 ticks per microsecond allows at most 8388 ms. Once started it
        # cannot be stopped; a new WDT restarts it with the new timeout.
        id = _int(id)
        if id != 0:
            raise ValueError("WDT(%d) doesn't exist" % id)
        timeout = _int(timeout) & 0xFFFFFFFF
        if timeout > 8388:
            raise ValueError("timeout exceeds 8388")
        _m.wdt_start(timeout)

    def feed(self):
        _m.wdt_feed()


def lightsleep(ms=None):
    # ports/rp2/modmachine.c mp_machine_lightsleep: without a time, dormant until the radio chip
    # wakes it; times of 4294967 ms and more (the timer alarm's 32-bit microseconds) are refused.
    # Timers and the radio go on meanwhile, as in time.sleep_ms.
    if ms is None:
        _m.sleep_until_radio()
        return
    ms = _int(ms)
    if ms >= 4294967:
        raise ValueError("sleep too long")
    _pico.sleep_ms(ms & 0xFFFFFFFF)


def deepsleep(ms=None):
    # ports/rp2/modmachine.c mp_machine_deepsleep: lightsleep, then machine.reset().
    lightsleep(ms)
    _pico.reset()
