// Frozen packages on a virtual Pico W: importable, searched where a board searches '.frozen'
// (after '/' and before /lib), never files in the board's filesystem; and the C modules the
// frozen drivers and networking packages import, as on a board with nothing wired.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSimulation, type Simulation } from '../../src-main/sim/simulation.ts';
import { writeFileAtomic } from '../../src-main/hub/store/atomic-write.ts';
import { VirtualPico } from '../../src-main/pico/board.ts';
import { loadFrozenPackages } from '../../src-main/pico/packages/frozen-packages.ts';
import { packageCacheDir } from '../../src-main/pico/packages/package-cache.ts';
import { Radio } from '../../src-main/radio/radio.ts';
import { waitConsole } from './console.ts';
import { FakeMipIndex } from './fake-mip-index.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const files = (f: Record<string, string>): Record<string, Uint8Array> => Object.fromEntries(Object.entries(f).map(([k, v]) => [k, enc(v)]));

let radio: Radio;
let picos: VirtualPico[];
let home: string;
let index: FakeMipIndex;
beforeEach(async () => {
  radio = new Radio();
  picos = [];
  home = mkdtempSync(path.join(tmpdir(), 'picolink-frozen-'));
  index = await FakeMipIndex.start({
    'fake-sensor': { files: { 'sensor/__init__.py': 'from sensor.core import read\n', 'sensor/core.py': 'def read():\n    return "frozen sensor"\n' } },
    'fake-shadowed': { files: { 'shadowed.py': 'WHO = "frozen"\n', 'rooted.py': 'WHO = "frozen"\n' } },
  });
});
afterEach(async () => {
  for (const p of picos) await p.close();
  radio.close();
  await index.close();
  rmSync(home, { recursive: true, force: true });
});

function pico(main: string, extra: Record<string, string>, frozen: Record<string, Uint8Array>): VirtualPico {
  const p = new VirtualPico(radio, { name: 'p1', files: files({ 'main.py': main, ...extra }), frozen });
  picos.push(p);
  return p;
}

describe('frozen packages on a board', () => {
  it("import as on a board, are not in its filesystem, and lose to '/' but not to /lib", async () => {
    const { files: frozen, notice } = await loadFrozenPackages({
      cacheDir: packageCacheDir(home),
      writeFile: writeFileAtomic,
      index: index.url,
      packages: ['fake-sensor', 'fake-shadowed'],
    });
    expect(notice).toBeNull();
    const p = pico(
      `
import os, sys
import sensor
print("read:", sensor.read())
print("root:", sorted(os.listdir("/")))
print("lib:", sorted(os.listdir("/lib")))
import shadowed, rooted
print("shadowed:", shadowed.WHO, "rooted:", rooted.WHO)
p = sys.path
print("order:", p.index("") < p.index(".frozen") < p.index("/lib"))
`,
      { 'lib/shadowed.py': 'WHO = "user /lib"\n', 'rooted.py': 'WHO = "user /"\n', 'config.py': 'X = 1\n' },
      frozen,
    );
    await p.powerOn();
    expect(await waitConsole(p, /^read: /)).toBe('read: frozen sensor');
    // Only the user's files (and the runtime's own folder and this build's system folders).
    const root = await waitConsole(p, /^root: /);
    expect(root).not.toMatch(/sensor|shadowed|frozen/);
    expect(root).toMatch(/'config\.py', .*'lib', 'main\.py', .*'rooted\.py'/);
    expect(await waitConsole(p, /^lib: /)).toBe("lib: ['shadowed.py']");
    // ports/rp2/main.c: sys.path is ['', '.frozen', '/lib'], so '/' wins over frozen and frozen over /lib.
    expect(await waitConsole(p, /^shadowed: /)).toBe('shadowed: frozen rooted: user /');
    expect(await waitConsole(p, /^order: /)).toBe('order: True');
  });

  it('the hub simulator gives every Pico the frozen packages', async () => {
    const fw = path.join(home, 'fw');
    mkdirSync(fw);
    writeFileSync(path.join(fw, 'main.py'), 'import sensor\nprint("sim read:", sensor.read())\n');
    let sim: Simulation | null = createSimulation({ picos: 2, firmwareDir: fw, frozen: files({ 'sensor/__init__.py': 'def read():\n    return "given"\n' }) });
    try {
      await sim.start();
      for (const p of sim.sim.picos) expect(await waitConsole(p, /^sim read: /)).toBe('sim read: given');
    } finally {
      await sim.close();
      sim = null;
    }
  });

  it("lets the frozen drivers' and networking packages' C modules import, with nothing wired", async () => {
    // Made-up modules importing what onewire, ssl, requests, ntptime and webrepl import.
    const p = pico(
      `
import _onewire, socket, network, tls, websocket, _webrepl
print("ow:", _onewire.reset(None), _onewire.readbyte(None), hex(_onewire.crc8(b"\\x02\\x1c\\xb8\\x01\\x00\\x00\\x00")))
try:
    socket.getaddrinfo("pool.ntp.org", 123)
except OSError as e:
    print("dns:", e.args[0])
ai = socket.getaddrinfo("0.0.0.0", 8266)
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(ai[0][4])
try:
    s.connect(("192.168.1.1", 80))
except OSError as e:
    print("connect:", e.args[0])
w = network.WLAN(network.STA_IF)
w.active(True)
w.connect("ssid", "key")
print("wlan:", w.isconnected(), w.status() == network.STAT_NO_AP_FOUND, len(w.config("mac")))
print("tls:", tls.SSLContext(tls.PROTOCOL_TLS_CLIENT).verify_mode == tls.CERT_REQUIRED)
`,
      {},
      {},
    );
    await p.powerOn();
    // Maxim AN27's example ROM: CRC 0xA2. No device answers a reset; the idle bus reads 1s.
    expect(await waitConsole(p, /^ow: /)).toBe('ow: False 255 0xa2');
    expect(await waitConsole(p, /^dns: /)).toBe('dns: -2');
    expect(await waitConsole(p, /^connect: /)).toBe('connect: 113');
    expect(await waitConsole(p, /^wlan: /)).toBe('wlan: False True 6');
    expect(await waitConsole(p, /^tls: /)).toBe('tls: True');
  });
});
