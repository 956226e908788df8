# The tutorial's scenario done right: the central sends "hello N", the peripheral answers
# "got hello N"; both print. Links drop and come back on their own; nothing is lost while up.
# config: HELLO_COUNT (default: forever), HELLO_MS (pause between exchanges, default 500).
import asyncio
import picolink


async def main(cfg):
    node = picolink.start(cfg)
    if getattr(cfg, "ROLE", "peripheral") == "central":
        await central(node, cfg)
    else:
        await peripheral(node)


async def central(node, cfg):
    count = getattr(cfg, "HELLO_COUNT", None)
    pause = getattr(cfg, "HELLO_MS", 500)
    n = 0
    bad = 0
    # A board running the tutorial's own code answers every message with "Got it".
    tutorial = getattr(cfg, "PROFILE", "picolink") == "tutorial"
    while count is None or n < count:
        link = await node.link()
        try:
            while count is None or n < count:
                msg = "hello %d" % n
                await link.send(msg)
                try:
                    reply = await link.recv(1000 if tutorial else 5000)
                except asyncio.TimeoutError:
                    if not tutorial:
                        raise
                    # The tutorial's own peripheral stores its reply without notifying it.
                    reply = await node.read_value()
                if reply != "got " + msg and not (tutorial and reply == "Got it"):
                    bad += 1
                    print("bad reply", reply)
                print("sent", msg, "reply", reply)
                n += 1
                if pause:
                    await asyncio.sleep_ms(pause)
        except asyncio.TimeoutError:
            link.drop("no reply")  # the link is no use: the next one starts again at the same N
        except picolink.LinkDown:
            pass  # same N again on the next link
    print("exchanges", n, "bad", bad)


async def peripheral(node):
    expected = 0
    while True:
        link = await node.link()
        try:
            while True:
                m = await link.recv()
                print("received", m)
                if isinstance(m, str) and m.startswith("hello "):
                    n = int(m[6:])
                    if n != expected and n != expected - 1:  # a resend after a drop is fine
                        print("out of order", n, "expected", expected)
                    expected = n + 1
                await link.send("got " + m if isinstance(m, str) else m)
        except picolink.LinkDown:
            pass
