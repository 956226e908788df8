# The dashboard peer (default app): a peripheral the desktop dashboard links to. Pings, info and
# throughput requests are answered by the library; app messages are echoed back, and text
# messages are printed.
import picolink


async def main(cfg):
    node = picolink.start(cfg)
    while True:
        link = await node.link()
        print("link up")
        try:
            while True:
                m = await link.recv()
                if isinstance(m, str):
                    print("got", m)
                await link.send(m)
        except picolink.LinkDown:
            print("link down")
