# PicoLink central: scans for the peer (by name and/or service), connects, discovers, subscribes,
# and relinks with backoff after any failure (connect timeout, peer gone, discovery error).
import asyncio
import bluetooth
import gc
import sys
import time
from micropython import const

from . import adv, profile
from .link import Link, LinkDropped

_IRQ_SCAN_RESULT = const(5)
_IRQ_SCAN_DONE = const(6)
_IRQ_PERIPHERAL_CONNECT = const(7)
_IRQ_PERIPHERAL_DISCONNECT = const(8)
_IRQ_GATTC_SERVICE_RESULT = const(9)
_IRQ_GATTC_SERVICE_DONE = const(10)
_IRQ_GATTC_CHARACTERISTIC_RESULT = const(11)
_IRQ_GATTC_CHARACTERISTIC_DONE = const(12)
_IRQ_GATTC_DESCRIPTOR_RESULT = const(13)
_IRQ_GATTC_DESCRIPTOR_DONE = const(14)
_IRQ_GATTC_READ_RESULT = const(15)
_IRQ_GATTC_READ_DONE = const(16)
_IRQ_GATTC_WRITE_DONE = const(17)
_IRQ_GATTC_NOTIFY = const(18)
_IRQ_MTU_EXCHANGED = const(21)
_IRQ_CONNECTION_UPDATE = const(27)

_SCAN_US = const(30_000)
_STEP_MS = const(3000)


class Central:
    def __init__(self, cfg):
        self.cfg = cfg
        self.name = getattr(cfg, "NAME", "picolink-central")
        peer = getattr(cfg, "PEER", None)
        self._peer = peer.encode() if peer else None
        self.tutorial = profile.tutorial(cfg)
        self._services = profile.TUTORIAL_SERVICES if self.tutorial else (profile.SERVICE,)
        self._interval_us = getattr(cfg, "INTERVAL_US", 7500)
        self._supervision_ms = getattr(cfg, "SUPERVISION_MS", 1000)
        self._connect_ms = getattr(cfg, "CONNECT_TIMEOUT_MS", 2000)
        self._backoff = (getattr(cfg, "BACKOFF_MIN_MS", 100), getattr(cfg, "BACKOFF_MAX_MS", 1600))
        self.links = [Link(getattr(cfg, "MAX_MESSAGE", 4096), not self.tutorial)]
        self._ev = asyncio.ThreadSafeFlag()
        self._new = asyncio.ThreadSafeFlag()
        self._t0 = time.ticks_ms()
        self._running = False
        self._found = None
        self._svc_addr = None
        self._conn = -1
        self._done = 0  # completed GATT procedures (IRQ side)
        self._r_svc = self._r_cccd = self._r_ver = self._r_value = None
        self._rx = self._tx = self._r_end = -1
        self._status = 0
        ble = bluetooth.BLE()
        self.ble = ble
        ble.active(True)
        ble.config(gap_name=self.name, mtu=getattr(cfg, "MTU", 517))
        ble.irq(self._irq)

    # ---- IRQ: copy what is kept, set a flag ----

    def _irq(self, event, data):
        k = self.links[0]
        if event == _IRQ_GATTC_NOTIFY:
            if k.up and data[0] == self._conn and data[1] == self._tx:
                k.feed(data[2])
        elif event == _IRQ_SCAN_RESULT:
            if self._found is None and self._match(data[0], data[1], data[4]):
                self._found = (data[0], bytes(data[1]))
                self._ev.set()
        elif event == _IRQ_PERIPHERAL_CONNECT:
            if self._conn == -2:  # connecting
                self._conn = data[0]
                self._ev.set()
            else:
                self.ble.gap_disconnect(data[0])  # a connection we gave up on
        elif event == _IRQ_PERIPHERAL_DISCONNECT:
            if data[0] == self._conn:
                self._conn = -1
                if k.up:
                    k.down()
                self._ev.set()
        elif event == _IRQ_GATTC_SERVICE_RESULT:
            if self._r_svc is None and data[3] in self._services:
                self._r_svc = (data[1], data[2])
        elif event == _IRQ_GATTC_CHARACTERISTIC_RESULT:
            u = data[4]
            if self.tutorial:
                if u == profile.TUTORIAL_CHAR:
                    self._rx = self._tx = data[2]
                    self._r_end = data[1]
            elif u == profile.RX:
                self._rx = data[2]
            elif u == profile.TX:
                self._tx = data[2]
                self._r_end = data[1]
            elif u == profile.VERSION:
                self._r_ver = data[2]
        elif event == _IRQ_GATTC_DESCRIPTOR_RESULT:
            if self._r_cccd is None and data[2] == profile.CCCD:
                self._r_cccd = data[1]
        elif event == _IRQ_GATTC_READ_RESULT:
            self._r_value = bytes(data[2])
        elif event == _IRQ_MTU_EXCHANGED:
            k.mtu = data[1]
            self._step_done(0)
        elif event == _IRQ_CONNECTION_UPDATE:
            k.interval_us = data[1] * 1250
        elif event in (_IRQ_GATTC_SERVICE_DONE, _IRQ_GATTC_CHARACTERISTIC_DONE, _IRQ_GATTC_DESCRIPTOR_DONE, _IRQ_GATTC_READ_DONE, _IRQ_GATTC_WRITE_DONE):
            self._step_done(data[-1])
        elif event == _IRQ_SCAN_DONE:
            self._ev.set()

    def _step_done(self, status):
        self._status = status
        self._done += 1
        self._ev.set()

    def _match(self, addr_type, addr, data):
        svc = False
        for s in self._services:
            if adv.has_service(data, s):
                svc = True
        if svc:
            self._svc_addr = bytes(addr)
        if self._peer is None:
            return svc
        if adv.name(data) != self._peer:
            return False
        return svc or self._svc_addr == bytes(addr)

    # ---- the link loop ----

    async def link(self):
        # The next link that comes up; starts the link loop on first use.
        if not self._running:
            self._running = True
            asyncio.create_task(self.run())
        k = self.links[0]
        while not (k.up and not k.announced):
            await self._new.wait()
        k.announced = True
        return k

    async def run(self):
        delay = self._backoff[0]
        k = self.links[0]
        while True:
            try:
                await self._scan()
                await self._connect()
                await self._setup()
                k.reset(self._conn, self._writer(), self.info, True, self._hangup)
                k.mtu = self._mtu
                if k.framed:
                    k._credit(True)  # CREDIT 0: subscribed, the peripheral may send
                k.interval_us = self._interval_us
                print("linked", self._conn, "mtu", k.mtu)
                self._new.set()
                serve = asyncio.create_task(k.serve())
                delay = self._backoff[0]
                await k.wait_down()
                serve.cancel()
                print("link down")
            except Exception as e:
                print("link failed:", _why(e))
                if k.up:
                    k.down()
                self._hangup()
                await asyncio.sleep_ms(delay)
                delay = min(delay * 2, self._backoff[1])

    def _hangup(self):
        c = self._conn
        self._conn = -1
        if c >= 0:
            try:
                self.ble.gap_disconnect(c)
            except OSError:
                pass

    async def _scan(self):
        # Scans (active, for the name in scan responses) until the peer is seen; no backoff here,
        # so a peer that comes back is found at its first advertisement.
        self._found = None
        self._svc_addr = None
        while self._found is None:
            self._ev.clear()
            self.ble.gap_scan(10_000, _SCAN_US, _SCAN_US, True)
            try:
                await asyncio.wait_for_ms(self._ev.wait(), 10_500)
            except asyncio.TimeoutError:
                pass
        try:
            self.ble.gap_scan(None)
        except OSError:
            pass

    async def _connect(self):
        addr_type, addr = self._found
        self._conn = -2
        self._ev.clear()
        self.ble.gap_connect(addr_type, addr, self._supervision_ms, self._interval_us, self._interval_us)
        try:
            await asyncio.wait_for_ms(self._wait_conn(), self._connect_ms)
        except asyncio.TimeoutError:
            self._conn = -1
            self.ble.gap_connect(None)
            raise OSError("connect timeout")

    async def _wait_conn(self):
        while self._conn == -2:
            await self._ev.wait()
        if self._conn < 0:
            raise OSError("connect failed")

    async def read_value(self):
        # Tutorial profile: the peer's value read back, as text. The tutorial's own peripheral
        # stores its reply without notifying, so this is the only way to see it.
        self._r_value = None
        try:
            await self._step(self.ble.gattc_read, self._rx)
        except OSError:
            # As every library wait: a link that cannot answer is dropped, and the app sees LinkDown.
            self.links[0].drop("read failed")
            raise LinkDropped("read failed")
        v = self._r_value
        return None if v is None else str(v, "utf-8")

    async def _step(self, call, *args):
        # One GATT procedure: start it, wait for its done IRQ, with a timeout.
        d = self._done
        self._ev.clear()
        call(self._conn, *args)
        t = time.ticks_ms()
        while self._done == d:
            if self._conn < 0:
                raise OSError("disconnected")
            left = _STEP_MS - time.ticks_diff(time.ticks_ms(), t)
            if left <= 0:
                raise OSError("GATT timeout")
            try:
                await asyncio.wait_for_ms(self._ev.wait(), left)
            except asyncio.TimeoutError:
                pass
        if self._status:
            raise OSError("GATT status %d" % self._status)

    async def _setup(self):
        ble = self.ble
        self._r_svc = self._r_cccd = self._r_ver = self._r_value = None
        self._rx = self._tx = self._r_end = -1
        self.links[0].mtu = 23
        try:
            await self._step(ble.gattc_exchange_mtu)
        except OSError:
            pass  # the peer may refuse; 23 then
        self._mtu = self.links[0].mtu
        await self._step(ble.gattc_discover_services)
        if self._r_svc is None:
            raise OSError("no service")
        await self._step(ble.gattc_discover_characteristics, self._r_svc[0], self._r_svc[1])
        if self._rx < 0 or self._tx < 0:
            raise OSError("no characteristic")
        if not self.tutorial:
            if self._r_ver is None:
                raise OSError("no version")
            await self._step(ble.gattc_read, self._r_ver)
            if not self._r_value or self._r_value[0] != profile.PROTOCOL_VERSION:
                raise OSError("protocol version %r" % self._r_value)
        end = self._r_end if self._r_end > self._tx else self._r_svc[1]
        # From the value handle, as aioble does: BTstack starts after it and ends at once when
        # start == end.
        await self._step(ble.gattc_discover_descriptors, self._tx, end)
        if self._r_cccd is not None:
            await self._step(ble.gattc_write, self._r_cccd, b"\x01\x00", 1)
        elif not self.tutorial:
            raise OSError("no CCCD")

    def _writer(self):
        ble = self.ble
        conn = self._conn
        rx = self._rx

        def w(buf):
            try:
                ble.gattc_write(conn, rx, buf, 0)
                return True
            except OSError as e:
                if e.args[0] == 114:  # EALREADY: the stack's buffers are full
                    return False
                raise

        return w

    def info(self):
        k = self.links[0]
        return {
            "name": self.name,
            "firmware": _version(),
            "micropython": "%d.%d.%d" % sys.implementation.version[:3],
            "mtu": k.mtu,
            "heap_free": gc.mem_free(),
            "uptime_ms": time.ticks_diff(time.ticks_ms(), self._t0),
            "interval_us": k.interval_us or None,
            "bad": k.bad,
            "ahead": True,  # takes THROUGHPUT_REQ's ahead octet (docs/PROTOCOL.md 4)
        }


def _why(e):
    return "%s %s" % (type(e).__name__, e.args[0] if e.args else "")


def _version():
    from . import VERSION

    return VERSION
