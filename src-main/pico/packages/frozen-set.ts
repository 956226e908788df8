// What the official RPI_PICO_W firmware of MicroPython 1.27 freezes in from micropython-lib, so
// that `import aioble` works on a virtual board as on a real one. Read from the board manifests:
//   ports/rp2/boards/RPI_PICO_W/manifest.py: include("$(PORT_DIR)/boards/manifest.py"),
//     require("bundle-networking"), require("aioble")
//   ports/rp2/boards/manifest.py: freeze("$(PORT_DIR)/modules") (the port's own _boot and rp2),
//     include("$(MPY_DIR)/extmod/asyncio") (built into our WebAssembly build already),
//     require("onewire"), require("ds18x20"), require("dht"), require("neopixel")
// Each require() names a package of micropython-lib's index; its deps come with it, as mip
// resolves them (bundle-networking: mip, ntptime, ssl, requests, webrepl, urequests; aioble: its
// peripheral, server, central, client, l2cap and security parts over aioble-core).

export const MICROPYTHON_VERSION = '1.27';

export const PICO_W_FROZEN_PACKAGES: readonly string[] = ['aioble', 'bundle-networking', 'onewire', 'ds18x20', 'dht', 'neopixel'];

/** micropython-lib's package index, as mip and `mpremote mip` use it (mip/__init__.py _PACKAGE_INDEX). */
export const MIP_INDEX = 'https://micropython.org/pi/v2';
