# One PicoLink link: whole messages framed over ATT writes and notifications, with credit flow
# control, pings answered from the receive path, info and throughput services (docs/PROTOCOL.md).
# Used by both roles: the role gives it a writer (notify or write-without-response).
#
# Concurrency: feed() runs in IRQ (scheduler) context and may run between any two bytecodes of a
# task, so every counter has one writer: the IRQ side or the task side, never both.
#
# A peer cannot make the board queue without bound (docs/PROTOCOL.md 4, 5): counted frames past
# the credit we gave drop the link, a CREDIT for frames never sent is ignored; PINGs are answered
# within a PONG budget (BTstack says nothing of a notification's progress, so a PONG counts as in
# flight until the link has had time to carry it at _PONG_OCTETS_PER_MS) and the rest counted as
# bad. Every wait the library makes ends in LinkDown: a wait that runs out drops the link first
# (LinkDropped), so the app's `except LinkDown` goes on to the next link.
import asyncio
import time
from micropython import const

_START = const(0x80)
_END = const(0x40)
_SEQ = const(0x3F)
_HDR = const(3)
MAX_VALUE = const(512)  # largest attribute value, Core 5.4 Vol 3 Part F 3.2.9

T_DATA = const(0x00)
T_TEXT = const(0x01)
_T_PING = const(0x10)
_T_PONG = const(0x11)
_T_CREDIT = const(0x12)
_T_INFO_REQ = const(0x20)
_T_INFO = const(0x21)
_T_TPUT_REQ = const(0x22)
_T_TPUT_DATA = const(0x23)
_T_TPUT_DONE = const(0x24)

WINDOW = const(16)  # frames a sender may have unacknowledged
_HALF = const(4)
_Q = const(17)  # receive ring of WINDOW messages (one slot stays free); credit only while it is empty
_PONG_EXTRA = const(4)
_SVC_INFO = const(1)
_SVC_TPUT = const(2)
_STALL_MS = const(1000)
_OUT_MS = const(5000)  # the stack takes a write within this, or the link is dropped
_PONG_OCTETS_PER_MS = const(4)  # PONG budget, 4 kB/s: under a Pico W link's ~7 kB/s at a 15 ms interval
_PONG_AHEAD_MS = const(64)  # how far ahead of the budget PONGs may run: a burst of ~13 small ones
_PONG_STALE_MS = const(1000)
_ATT_HDR = const(3)  # opcode + handle before a notified value, Core 5.4 Vol 3 Part F 3.4.7.1


class LinkDown(Exception):
    # The link is gone; the node relinks on its own.
    pass


class LinkDropped(LinkDown):
    # The library dropped the link (args[0] says why): the peer broke the protocol, or a wait
    # for it ran out. Raised instead of asyncio.TimeoutError so one `except LinkDown` handles it.
    pass


class Link:
    def __init__(self, max_msg, framed=True):
        self.framed = framed
        self.max_msg = max_msg
        self._ready = False
        self._tx = bytearray(MAX_VALUE)
        self._txmv = memoryview(self._tx)
        self._rx = bytearray(max_msg + 1)  # message type + body
        self._rxmv = memoryview(self._rx)
        self._pong = bytearray(MAX_VALUE)
        self._pongmv = memoryview(self._pong)
        self._pong_view = self._pongmv
        self._pong_view_n = -1
        self._tx_view_v = self._txmv
        self._tx_view_n = -1
        self._cbuf = bytearray(6)  # CREDIT from the receive path
        self._cbuf_t = bytearray(6)  # CREDIT from tasks: an IRQ may build its own meanwhile
        self._qm = [None] * _Q
        self._lock = asyncio.Lock()
        self._rx_flag = asyncio.ThreadSafeFlag()
        self._tx_flag = asyncio.ThreadSafeFlag()
        self._svc_flag = asyncio.ThreadSafeFlag()
        self._down_flag = asyncio.ThreadSafeFlag()
        self.bad = 0  # frames or messages rejected since boot (kept across links)
        self.up = False
        self.conn = -1
        self.why = None  # why the library last dropped a link

    def reset(self, conn, writer, info, ready=True, hangup=None):
        # A new connection on this (preallocated) link. A peripheral's link is not ready until a
        # frame from the central shows it has subscribed (docs/PROTOCOL.md section 5).
        self._ready = ready
        self.conn = conn
        self._write = writer  # writer(memoryview) -> True if taken, False if busy; raises OSError if gone
        self._info = info  # info() -> dict for an info request
        self._hangup = hangup  # hangup() disconnects (any context); None: nothing to hang up
        self.mtu = 23
        self.interval_us = 0
        self._rxn = -1  # octets of the message being reassembled; -1 when none
        self._rxseq = 0
        self._txseq = 0
        self._sent = 0  # data frames sent (task side)
        self._granted = WINDOW  # peer's grant: total data frames we may send (IRQ side)
        self._c_irq = 0  # data frames consumed (IRQ side)
        self._c_sent_i = 0  # last grant sent by the IRQ side
        self._c_sent_t = 0  # last grant sent by the task side
        self._qh = 0  # task side
        self._qt = 0  # IRQ side
        for i in range(_Q):
            self._qm[i] = None
        self._pong_n = 0  # octets of a pong waiting for the writer (central only)
        self._pong_t = 0
        self._pong_free = time.ticks_ms()  # when the PONG budget has paid for every PONG so far (IRQ side)
        self._svc = 0
        self._tput = 0
        self._tput_ahead = WINDOW
        self.rx_msgs = 0
        self.tx_msgs = 0
        self.last_rtt_us = -1
        self._ping_t = 0
        self.announced = False
        self.up = True
        for f in (self._rx_flag, self._tx_flag, self._svc_flag, self._down_flag):
            f.clear()

    def down(self):
        self.up = False
        for f in (self._rx_flag, self._tx_flag, self._svc_flag, self._down_flag):
            f.set()

    def drop(self, why):
        # Ends this link from our side (any context): tasks waiting on it get LinkDown at once,
        # the connection is hung up and the node serves the next one.
        if not self.up:
            return
        self.why = why
        print("link dropped:", why)
        self.down()
        if self._hangup is not None:
            try:
                self._hangup()
            except OSError:
                pass

    async def wait_down(self):
        while self.up:
            await self._down_flag.wait()

    def room(self):
        # Largest frame payload at this MTU.
        m = self.mtu - 3
        return (m if m < MAX_VALUE else MAX_VALUE) - _HDR

    # ---- receive path (IRQ context) ----

    def feed(self, b):
        # One ATT value written or notified by the peer: one or more whole frames. Never raises.
        try:
            if self.framed:
                self._ready = True
                self._feed(b, time.ticks_us())
            else:
                self._deliver_plain(b)
        except Exception:
            self.bad += 1
            self._rxn = -1

    def _deliver_plain(self, b):
        # Tutorial profile: the whole value is one UTF-8 text message.
        if self._full():
            self.bad += 1
            return
        self._push(str(b, "utf-8"))

    def _feed(self, b, t0):
        n = len(b)
        i = 0
        while i < n:
            if n - i < _HDR:
                self.bad += 1
                return
            f = b[i]
            ln = b[i + 1] | b[i + 2] << 8
            i += _HDR
            if ln == 0 or ln > n - i:
                self.bad += 1  # a broken length: the rest of this value cannot be framed
                return
            p = i
            i += ln
            t = b[p]
            if f & (_START | _END) == (_START | _END) and 0x10 <= t < 0x20:
                self._link_msg(b, p, ln, t, t0)
                continue
            # A counted frame: it used one of the peer's credits, whatever it holds, and the peer
            # may have sent WINDOW past the last CREDIT we gave, never more.
            if self._unacked() >= WINDOW:
                self.bad += 1
                self.drop("peer ignored credit")
                return
            self._c_irq = (self._c_irq + 1) & 0xFFFF
            if f & _SEQ != self._rxseq:
                self.bad += 1
                self._abandon()
            self._rxseq = (f + 1) & _SEQ
            if f & _START:
                if self._rxn >= 0:
                    self.bad += 1
                    self._abandon()
                self._rxn = 0
            elif self._rxn < 0:
                self.bad += 1
                continue
            if self._rxn + ln > len(self._rx):
                self.bad += 1
                self._abandon()
                continue
            self._rx[self._rxn : self._rxn + ln] = b[p : p + ln]
            self._rxn += ln
            if f & _END:
                self._complete()
        self._credit(False, True)

    def _abandon(self):
        self._rxn = -1

    def _complete(self):
        n = self._rxn
        self._rxn = -1
        t = self._rx[0]
        if t == T_DATA or t == T_TEXT:
            if self._full():  # the peer ignored its credits
                self.bad += 1
                return
            try:
                m = bytes(self._rxmv[1:n]) if t == T_DATA else str(self._rxmv[1:n], "utf-8")
            except Exception:
                self.bad += 1
                return
            self._push(m)
            return
        if t == _T_INFO_REQ and n == 1:
            self._svc |= _SVC_INFO
            self._svc_flag.set()
        elif t == _T_TPUT_REQ and (n == 5 or n == 6):
            r = self._rx
            self._tput = r[1] | r[2] << 8 | r[3] << 16 | r[4] << 24
            # Frames the requester lets us have unacknowledged (PROTOCOL.md 4); a 4-octet request: the window.
            a = r[5] if n == 6 else WINDOW
            self._tput_ahead = a if 1 <= a <= WINDOW else WINDOW
            self._svc |= _SVC_TPUT
            self._svc_flag.set()
        elif t < _T_INFO or t > _T_TPUT_DONE:
            self.bad += 1  # unknown type; replies to requests we made are dropped

    def _full(self):
        return (self._qt + 1) % _Q == self._qh

    def _push(self, m):
        t = self._qt
        self._qm[t] = m
        self._qt = (t + 1) % _Q
        self.rx_msgs += 1
        self._rx_flag.set()

    def _link_msg(self, b, p, ln, t, t0):
        if t == _T_PING:
            if _HDR + ln + _PONG_EXTRA > self.mtu - 3 or _HDR + ln + _PONG_EXTRA > MAX_VALUE:
                self.bad += 1
                return
            if self._pong_n:  # the last PONG still waits for the writer
                self.bad += 1
                return
            now = time.ticks_ms()
            ahead = time.ticks_diff(self._pong_free, now)
            if _PONG_AHEAD_MS < ahead < _PONG_STALE_MS:  # over budget: a flood
                self.bad += 1
                return
            # This PONG's cost: its octets on the air (frame + ATT header) at the budget rate. A
            # mark further ahead than any PONG can put it is a ticks wrap after days idle: restart.
            if ahead < 0 or ahead >= _PONG_STALE_MS:
                self._pong_free = now
            cost = (_ATT_HDR + _HDR + ln + _PONG_EXTRA + _PONG_OCTETS_PER_MS - 1) // _PONG_OCTETS_PER_MS
            self._pong_free = time.ticks_add(self._pong_free, cost)
            pg = self._pong
            pg[0] = _START | _END
            m = ln + _PONG_EXTRA
            pg[1] = m & 0xFF
            pg[2] = m >> 8
            pg[3] = _T_PONG
            for k in range(ln - 1):  # copied octet by octet: a slice of b would allocate
                pg[4 + k] = b[p + 1 + k]
            self._pong_n = _HDR + m
            self._pong_t = t0
            self._flush_pong()
        elif t == _T_CREDIT and ln == 3:
            v = b[p + 1] | b[p + 2] << 8
            a = (v - self._sent) & 0xFFFF
            if a != 0 and a < 0x8000:  # credit for frames never sent: impossible, ignored
                self.bad += 1
                return
            g = (v + WINDOW) & 0xFFFF
            if (g - self._granted) & 0xFFFF < 0x8000:
                self._granted = g
            self._tx_flag.set()
        elif t == _T_PONG and ln == 5 + _PONG_EXTRA:
            self.last_rtt_us = time.ticks_diff(t0, self._ping_t)
            self._rx_flag.set()
        else:
            self.bad += 1

    def _flush_pong(self):
        # Sends a waiting pong with the time since its ping arrived, just before it goes.
        n = self._pong_n
        if n == 0 or not self.up:
            return
        d = time.ticks_diff(time.ticks_us(), self._pong_t)
        pg = self._pong
        pg[n - 4] = d & 0xFF
        pg[n - 3] = (d >> 8) & 0xFF
        pg[n - 2] = (d >> 16) & 0xFF
        pg[n - 1] = (d >> 24) & 0xFF
        if n != self._pong_view_n:  # pongs of one size reuse their view: no allocation per ping
            self._pong_view = self._pongmv[:n]
            self._pong_view_n = n
        try:
            if self._write(self._pong_view):
                self._pong_n = 0
                return
        except OSError:
            return
        self._svc_flag.set()  # busy: the service task retries

    def _unacked(self):
        # Counted frames consumed since the newest CREDIT either side sent. Each side records its
        # own, so no counter has two writers: the peer's window is judged on the newer.
        a = (self._c_irq - self._c_sent_i) & 0xFFFF
        b = (self._c_irq - self._c_sent_t) & 0xFFFF
        return a if a < b else b

    def _credit(self, force=False, irq=False):
        adv = self._c_irq
        if not force and self._unacked() < _HALF:
            return
        if self._qt != self._qh:
            return  # withhold credit while the app has messages to read: a full window must still fit the ring
        c = self._cbuf if irq else self._cbuf_t
        c[0] = _START | _END
        c[1] = 3
        c[2] = 0
        c[3] = _T_CREDIT
        c[4] = adv & 0xFF
        c[5] = adv >> 8
        try:
            if self._write(c):
                if irq:
                    self._c_sent_i = adv
                else:
                    self._c_sent_t = adv
                return
        except OSError:
            return
        self._svc_flag.set()

    # ---- application side (tasks) ----

    async def recv(self, timeout_ms=None):
        # The next whole message (bytes, or str if sent as text); LinkDown when the link goes.
        while self._qh == self._qt:
            if not self.up:
                raise LinkDown()
            if timeout_ms is None:
                await self._rx_flag.wait()
            else:
                await asyncio.wait_for_ms(self._rx_flag.wait(), timeout_ms)
        h = self._qh
        m = self._qm[h]
        self._qm[h] = None
        self._qh = (h + 1) % _Q
        if self.up and self.framed:
            self._credit()
        return m

    async def send(self, msg, timeout_ms=10000):
        # Sends one whole message; waits (backpressure) while the peer has granted no credit.
        if isinstance(msg, str):
            await self._send(T_TEXT, msg.encode(), timeout_ms)
        else:
            await self._send(T_DATA, msg, timeout_ms)
        self.tx_msgs += 1

    async def ping(self, timeout_ms=2000):
        # Round trip in microseconds to the peer's pong (Pico-to-Pico latency).
        self.last_rtt_us = -1
        self._ping_t = time.ticks_us()
        async with self._lock:
            await self._out(_PING_FRAME)
        t = time.ticks_ms()
        while self.last_rtt_us < 0:
            if not self.up:
                raise LinkDown()
            if time.ticks_diff(time.ticks_ms(), t) > timeout_ms:
                raise asyncio.TimeoutError()
            await asyncio.sleep_ms(1)
        return self.last_rtt_us

    async def _send(self, typ, body, timeout_ms, ahead=WINDOW):
        n = len(body)
        if not self.framed:
            if n > self.mtu - 3:
                raise ValueError("message longer than MTU-3 in tutorial mode")
            async with self._lock:
                await self._out(body)
            return
        if n > self.max_msg:
            raise ValueError("message too long")
        mv = body if type(body) is memoryview else memoryview(body)
        tx = self._tx
        async with self._lock:
            i = 0
            first = True
            while first or i < n:
                await self._wait_credit(timeout_ms, WINDOW - ahead)
                room = self.room()
                if first:
                    tx[3] = typ
                    k = n - i if n - i < room - 1 else room - 1
                    tx[4 : 4 + k] = mv if k == n else mv[i : i + k]  # a one-frame message: no slice to allocate
                    plen = k + 1
                    f = _START | self._txseq
                else:
                    k = n - i if n - i < room else room
                    tx[3 : 3 + k] = mv[i : i + k]
                    plen = k
                    f = self._txseq
                i += k
                if i >= n:
                    f |= _END
                tx[0] = f
                tx[1] = plen & 0xFF
                tx[2] = plen >> 8
                await self._out(self._tx_view(_HDR + plen), True)
                first = False

    def _tx_view(self, n):
        # Frames of one size (a stream's) reuse their view: no allocation per frame.
        if n != self._tx_view_n:
            self._tx_view_v = self._txmv[:n]
            self._tx_view_n = n
        return self._tx_view_v

    async def _wait_credit(self, timeout_ms, keep=0):
        # Waits until more than `keep` of the granted frames are left: keep > 0 holds a sender to
        # WINDOW - keep frames unacknowledged.
        t = time.ticks_ms()
        while not self._ready or (self._granted - self._sent) & 0xFFFF <= keep or (self._granted - self._sent) & 0xFFFF > WINDOW:
            if not self.up:
                raise LinkDown()
            if time.ticks_diff(time.ticks_ms(), t) > timeout_ms:
                # A message may be half sent: the link cannot carry another, so it goes.
                self.drop("peer gave no credit")
                raise LinkDropped(self.why)
            try:
                await asyncio.wait_for_ms(self._tx_flag.wait(), _STALL_MS)
            except asyncio.TimeoutError:
                pass

    async def _out(self, buf, counted=False):
        # One ATT value to the peer; retries while the stack's buffers are full. A counted frame
        # is counted the moment the stack takes it, before any IRQ can bring its CREDIT.
        t = time.ticks_ms()
        while True:
            if not self.up:
                raise LinkDown()
            try:
                if self._write(buf):
                    if counted:
                        self._txseq = (self._txseq + 1) & _SEQ
                        self._sent = (self._sent + 1) & 0xFFFF
                    await asyncio.sleep_ms(0)
                    return
            except OSError:
                raise LinkDown()
            if time.ticks_diff(time.ticks_ms(), t) > _OUT_MS:
                self.drop("stack took no write")
                raise LinkDropped(self.why)
            await asyncio.sleep_ms(2)

    # ---- services (one task per link) ----

    async def serve(self):
        # Runs while the link is up: info and throughput requests, and control frames that found
        # the stack busy in the receive path. It ends only with the link: a failure here drops
        # the link rather than leave it up with nobody serving it.
        while self.up:
            try:
                await asyncio.wait_for_ms(self._svc_flag.wait(), 100)
            except asyncio.TimeoutError:
                pass
            if not self.up:
                return
            if self._pong_n:
                self._flush_pong()
            if self.framed and self._unacked():
                self._credit(True)
            try:
                if self._svc & _SVC_INFO:
                    self._svc &= ~_SVC_INFO
                    await self._send(_T_INFO, _json(self._info()), 5000)
                if self._svc & _SVC_TPUT:
                    self._svc &= ~_SVC_TPUT
                    await self._throughput(self._tput)
            except LinkDown:
                return
            except Exception:
                self.drop("service failed")
                return

    async def _throughput(self, total):
        # At most `ahead` THROUGHPUT_DATA frames unacknowledged: BTstack queues notifications first
        # in first out (modbluetooth_btstack.c mp_bluetooth_gatts_notify_indicate), so a PONG sent
        # now waits behind those alone (PROTOCOL.md 4).
        ahead = self._tput_ahead
        t0 = time.ticks_ms()
        sent = 0
        fill = memoryview(self._rx)  # any octets will do; the reassembly buffer is never sent
        fv = fill
        fk = -1
        while sent < total:
            k = self.room() - 1
            if k > total - sent:
                k = total - sent
            if k != fk:  # one view per frame size, not one per frame
                fv = fill[:k]
                fk = k
            await self._send(_T_TPUT_DATA, fv, 5000, ahead)
            sent += k
        ms = time.ticks_diff(time.ticks_ms(), t0)
        b = bytearray(8)
        for j in range(4):
            b[j] = (sent >> (8 * j)) & 0xFF
            b[4 + j] = (ms >> (8 * j)) & 0xFF
        await self._send(_T_TPUT_DONE, b, 5000)


_PING_FRAME = bytes((_START | _END, 5, 0, _T_PING, 0, 0, 0, 0))


def _json(d):
    import json

    return json.dumps(d).encode()
