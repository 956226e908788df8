# PicoLink peripheral: serves the PicoLink service (or the tutorial's), advertises, accepts
# links up to config.MAX_LINKS, and re-advertises after every disconnect, forever.
import asyncio
import bluetooth
import gc
import sys
import time
from micropython import const

from . import adv, profile
from .link import Link, WINDOW, MAX_VALUE

_IRQ_CENTRAL_CONNECT = const(1)
_IRQ_CENTRAL_DISCONNECT = const(2)
_IRQ_GATTS_WRITE = const(3)
_IRQ_MTU_EXCHANGED = const(21)
_IRQ_CONNECTION_UPDATE = const(27)

_F_READ = const(0x0002)
_F_WRITE_NR = const(0x0004)
_F_WRITE = const(0x0008)
_F_NOTIFY = const(0x0010)


class Peripheral:
    def __init__(self, cfg):
        self.cfg = cfg
        self.name = getattr(cfg, "NAME", "picolink")
        self.tutorial = profile.tutorial(cfg)
        self._adv_us = getattr(cfg, "ADV_INTERVAL_US", 100_000)
        max_msg = getattr(cfg, "MAX_MESSAGE", 4096)
        self.links = [Link(max_msg, not self.tutorial) for _ in range(getattr(cfg, "MAX_LINKS", 1))]
        self._new = asyncio.ThreadSafeFlag()
        self._t0 = time.ticks_ms()
        ble = bluetooth.BLE()
        self.ble = ble
        ble.active(True)
        ble.config(gap_name=self.name, mtu=getattr(cfg, "MTU", 517))
        if self.tutorial:
            svc = profile.TUTORIAL_SERVICES[getattr(cfg, "TUTORIAL_SERVICE", 0)]
            ((h,),) = ble.gatts_register_services(((svc, ((profile.TUTORIAL_CHAR, _F_READ | _F_WRITE | _F_WRITE_NR | _F_NOTIFY),)),))
            self._rx = self._tx = h
            ble.gatts_set_buffer(h, MAX_VALUE)
        else:
            svc = profile.SERVICE
            chars = ((profile.RX, _F_WRITE | _F_WRITE_NR), (profile.TX, _F_NOTIFY), (profile.VERSION, _F_READ))
            ((self._rx, self._tx, ver),) = ble.gatts_register_services(((svc, chars),))
            # Append mode: writes that arrive before the IRQ runs are kept, concatenated; frames
            # carry their own lengths. Room for a full window plus control frames.
            ble.gatts_set_buffer(self._rx, WINDOW * MAX_VALUE + 256, True)
            ble.gatts_write(ver, bytes((profile.PROTOCOL_VERSION,)))
        self._adv, self._resp = adv.payloads(self.name, svc, profile.APPEARANCE)
        ble.irq(self._irq)
        self._advertise()

    def _advertise(self):
        try:
            self.ble.gap_advertise(self._adv_us, self._adv, resp_data=self._resp)
            print("advertising", self.name)
        except OSError as e:
            print("advertise failed", e)

    def _link(self, conn):
        for k in self.links:
            if k.up and k.conn == conn:
                return k
        return None

    def _writer(self, conn):
        ble = self.ble
        tx = self._tx
        if self.tutorial:

            def w(buf):
                ble.gatts_write(tx, buf)
                ble.gatts_notify(conn, tx)
                return True

        else:

            def w(buf):
                ble.gatts_notify(conn, tx, buf)
                return True

        return w

    def _hangup(self, conn):
        ble = self.ble

        def h():
            ble.gap_disconnect(conn)

        return h

    def _irq(self, event, data):
        if event == _IRQ_GATTS_WRITE:
            k = self._link(data[0])
            if data[1] == self._rx:
                v = self.ble.gatts_read(self._rx)
                if k is not None:
                    k.feed(v)
        elif event == _IRQ_CENTRAL_CONNECT:
            conn = data[0]
            for k in self.links:
                if not k.up:
                    k.reset(conn, self._writer(conn), self.info, False, self._hangup(conn))
                    k.peer = bytes(data[2])
                    print("connected", conn)
                    self._new.set()
                    if any(not j.up for j in self.links):
                        self._advertise()
                    return
            self.ble.gap_disconnect(conn)  # more centrals than links
        elif event == _IRQ_CENTRAL_DISCONNECT:
            k = self._link(data[0])
            if k is not None:
                k.down()
                print("disconnected", data[0])
            self._advertise()
        elif event == _IRQ_MTU_EXCHANGED:
            k = self._link(data[0])
            if k is not None:
                k.mtu = data[1]
        elif event == _IRQ_CONNECTION_UPDATE:
            k = self._link(data[0])
            if k is not None:
                k.interval_us = data[1] * 1250

    async def link(self):
        # The next link that comes up, with its service task started.
        while True:
            for k in self.links:
                if k.up and not k.announced:
                    k.announced = True
                    asyncio.create_task(k.serve())
                    return k
            await self._new.wait()

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
            "bad": sum(j.bad for j in self.links),
            "ahead": True,  # takes THROUGHPUT_REQ's ahead octet (docs/PROTOCOL.md 4)
        }


def _version():
    from . import VERSION

    return VERSION
