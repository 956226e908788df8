# PicoLink for MicroPython on the Pico W: two-way links of whole messages over BLE, on the
# built-in bluetooth module. See docs/PROTOCOL.md for the wire format.
#   node = picolink.start(config)      # Peripheral or Central, from config.ROLE
#   link = await node.link()           # the next link that comes up
#   await link.send("hi"); msg = await link.recv()
from .link import Link, LinkDown, LinkDropped, WINDOW

VERSION = "0.1.0"


def start(cfg):
    if getattr(cfg, "ROLE", "peripheral") == "central":
        from .central import Central

        return Central(cfg)
    from .peripheral import Peripheral

    return Peripheral(cfg)
