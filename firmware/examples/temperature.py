# Streams the RP2040's temperature sensor to whoever links (the dashboard, or a Pico central):
# one text message "temp C" per second, and answers pings, info and throughput as every app.
import asyncio
import machine
import picolink

_CONV = 3.3 / 65535


async def main(cfg):
    node = picolink.start(cfg)
    sensor = machine.ADC(4)
    while True:
        link = await node.link()
        try:
            while True:
                v = sensor.read_u16() * _CONV
                c = 27 - (v - 0.706) / 0.001721  # RP2040 datasheet 4.9.5
                await link.send("temp %.1f" % c)
                await asyncio.sleep_ms(getattr(cfg, "TEMP_MS", 1000))
        except picolink.LinkDown:
            print("link down")
