# machine.Signal, time_pulse_us and bitstream on a Pico W (port rp2, MicroPython 1.27), loaded on
# first use (see machine._new). Nothing outside drives the pins, so a pulse never comes. Each
# behaviour names the extmod source it follows.
import machine
from machine import _gpio, _int, _level, _wait_us


class Signal(machine.Signal):
    # extmod/machine_signal.c signal_make_new: a Pin-like object, or Pin arguments, and invert.
    def __init__(self, pin, *args, invert=False, **kw):
        if not isinstance(pin, (machine.Pin, machine.Signal)):
            pin = machine.Pin(pin, *args, **kw)
        elif args or kw:
            raise TypeError
        self._pin = pin
        self._inv = 1 if invert else 0

    def value(self, v=None):
        if v is None:
            return self._pin.value() ^ self._inv
        self._pin.value((1 if v else 0) ^ self._inv)

    def __call__(self, v=None):
        return self.value(v)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)


def time_pulse_us(pin, pulse_level, timeout_us=1000000):
    # extmod/machine_pulse.c: no line changes here, so it waits out the timeout: -2 if the pin is
    # not at pulse_level (the pulse never starts), -1 if it is (the pulse never ends).
    i = _gpio(pin)
    _wait_us(_int(timeout_us))
    return -1 if _level(i) == (1 if pulse_level else 0) else -2


def bitstream(pin, encoding, timing, buf):
    # extmod/machine_bitstream.c: encoding 0 (high then low per bit) only; takes as long as the
    # bits at the given timings in nanoseconds.
    _gpio(pin)
    if _int(encoding) != 0:
        raise ValueError("encoding")
    if not isinstance(timing, (tuple, list)):
        raise TypeError("object '%s' isn't a tuple or list" % type(timing).__name__)
    if len(timing) != 4:
        raise ValueError("requested length 4 but object has length %d" % len(timing))
    t0 = _int(timing[0]) + _int(timing[1])
    t1 = _int(timing[2]) + _int(timing[3])
    ns = 0
    for b in memoryview(buf):
        for k in range(8):
            ns += t1 if b & (0x80 >> k) else t0
    _wait_us(ns // 1000)
