# machine.UART on a Pico W (port rp2, MicroPython 1.27) with nothing wired, loaded on first use
# (see machine._new): nothing is ever received, and bytes sent leave at the baud rate. Each
# behaviour names the rp2 source it follows.
from time import ticks_add, ticks_diff
import _pico
import machine
from machine import _buflen, _gpio, _int, _required, _wait_us


# ports/rp2/machine_uart.c: (TX, RX) at boot.
_UART_PINS = ((0, 1), (4, 5))
_uart = [None, None]
_PARITY = ("None", "0", "1")
_INVERT = ("None", "INV_TX", "INV_RX", "INV_TX|INV_RX")


class UART(machine.UART):
    def __new__(cls, id=None, *args, **kw):
        # machine_uart_make_new: one object per UART.
        i = _required(id, "id")
        if not 0 <= i < 2:
            raise ValueError("UART(%d) doesn't exist" % i)
        o = _uart[i]
        if o is None:
            o = _uart[i] = object.__new__(cls)
            o._id = i
            o._tx, o._rx = _UART_PINS[i]
            o._baud = 0
            o._bits = 8
            o._par = 0
            o._stop = 1
            o._to = o._toc = o._inv = o._flow = 0
            o._txbuf = o._rxbuf = 256
            o._txe = _pico.ticks_us()
        return o

    def __init__(self, id=None, *args, **kw):
        if args or kw or not self._baud:
            self.init(*args, **kw)

    def init(self, baudrate=-1, bits=-1, parity=-1, stop=-1, *, tx=None, rx=None, cts=None, rts=None, timeout=-1, timeout_char=-1, invert=-1, flow=-1, txbuf=-1, rxbuf=-1):
        # machine_uart_make_new's settings: -1 leaves one as it was.
        if _int(baudrate) > 0:
            self._baud = baudrate
        if _int(bits) > 0:
            self._bits = bits
        if parity is None:
            self._par = 0
        elif _int(parity) != -1:
            self._par = 2 if parity & 1 else 1
        if _int(stop) > 0:
            self._stop = stop
        # TX on 4n, RX on 4n+1, CTS 4n+2, RTS 4n+3; UART0 on GP0..3, 12..19, 28..29.
        for name, p, k in (("TX", tx, 0), ("RX", rx, 1), ("CTS", cts, 2), ("RTS", rts, 3)):
            if p is not None:
                p = _gpio(p)
                if p & 3 != k or ((p + 4) >> 3) & 1 != self._id:
                    raise ValueError("bad %s pin" % name)
                if k == 0:
                    self._tx = p
                elif k == 1:
                    self._rx = p
        if _int(timeout) >= 0:
            self._to = timeout
        if _int(timeout_char) >= 0:
            self._toc = timeout_char
        if _int(invert) >= 0:
            if invert & ~3:
                raise ValueError("bad inversion mask")
            self._inv = invert
        if _int(flow) >= 0:
            if flow & ~3:
                raise ValueError("bad hardware flow control mask")
            self._flow = flow
        self._rxbuf = self._buf(rxbuf, "rxbuf")
        self._txbuf = self._buf(txbuf, "txbuf")
        if not self._baud:
            self._baud = 115_200
        # timeout_char is at least a whole character (13 bits, to be safe).
        self._toc = max(self._toc, 13_000 // self._baud + 1)

    def _buf(self, n, name):
        # Ring buffers of 256 bytes by default, 32 at least, 32766 at most.
        n = _int(n)
        if n <= 0:
            return 256
        if n > 32766:
            raise ValueError("%s too large" % name)
        return max(n, 32)

    def deinit(self):
        self._baud = 0

    def any(self):
        # Nothing is ever received.
        return 0

    def read(self, nbytes=-1):
        # machine_uart_read: waits `timeout` ms for a first byte, then EAGAIN, which the stream
        # layer returns as None.
        _wait_us(self._to * 1000)

    def readinto(self, buf, nbytes=-1):
        _buflen(buf)
        _wait_us(self._to * 1000)

    def readline(self):
        _wait_us(self._to * 1000)

    def _char_us(self):
        return (1 + self._bits + (self._par > 0) + self._stop) * 1_000_000 // self._baud

    def write(self, buf):
        # machine_uart_write: bytes go out at the baud rate whatever listens; the call returns
        # once the rest fits in the TX ring buffer and the 32-byte FIFO.
        n = _buflen(buf)
        c = self._char_us()
        now = _pico.ticks_us()
        busy = max(ticks_diff(self._txe, now), 0) + n * c
        self._txe = ticks_add(now, busy)
        _wait_us(busy - (self._txbuf + 32) * c)
        return n

    def txdone(self):
        return ticks_diff(self._txe, _pico.ticks_us()) <= 0

    def flush(self):
        _wait_us(ticks_diff(self._txe, _pico.ticks_us()))

    def sendbreak(self):
        _wait_us(13_000_000 // self._baud + 1)

    def __repr__(self):
        return "UART(%d, baudrate=%d, bits=%d, parity=%s, stop=%d, tx=%d, rx=%d, txbuf=%d, rxbuf=%d, timeout=%d, timeout_char=%d, invert=%s)" % (
            self._id,
            self._baud,
            self._bits,
            _PARITY[self._par],
            self._stop,
            self._tx,
            self._rx,
            self._txbuf,
            self._rxbuf,
            self._to,
            self._toc,
            _INVERT[self._inv],
        )
