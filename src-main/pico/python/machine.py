# The parts of machine that BLE firmware on a Pico W touches.
from micropython import const
import _pico

_LED = const(-1)


class Pin:
    IN = const(0)
    OUT = const(1)
    OPEN_DRAIN = const(2)
    PULL_UP = const(1)
    PULL_DOWN = const(2)
    IRQ_RISING = const(8)
    IRQ_FALLING = const(4)

    def __init__(self, id, mode=-1, pull=-1, *, value=None):
        if id == "LED" or id == "WL_GPIO0":
            self._id = _LED
        elif isinstance(id, int) and 0 <= id <= 29:
            self._id = id
        else:
            raise ValueError("invalid pin")
        self._v = 0
        if value is not None:
            self.value(value)

    def value(self, v=None):
        if v is None:
            return self._v
        self._v = 1 if v else 0
        if self._id == _LED:
            _pico.led(self._v)

    def __call__(self, v=None):
        return self.value(v)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)

    def high(self):
        self.value(1)

    def low(self):
        self.value(0)

    def toggle(self):
        self.value(not self._v)

    def init(self, mode=-1, pull=-1, *, value=None):
        if value is not None:
            self.value(value)

    def __repr__(self):
        return "Pin(%s)" % ("WL_GPIO0" if self._id == _LED else "GPIO%d" % self._id)


class ADC:
    CORE_TEMP = const(4)

    def __init__(self, pin):
        self._ch = pin if isinstance(pin, int) else 0

    def read_u16(self):
        return _pico.adc_u16(self._ch)


def unique_id():
    import binascii

    return binascii.unhexlify(_pico.unique_id_hex())


def reset():
    _pico.reset()


def soft_reset():
    _pico.reset()


def freq(hz=None):
    if hz is None:
        return 125_000_000


def idle():
    _pico.sleep_ms(0)


def reset_cause():
    return 1  # PWRON_RESET


PWRON_RESET = const(1)
