// The installer's pure parts: which files a board gets, config.py as firmware/config.py lays it
// out, the checks the firmware would make of it, and the board-side code it sends.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFirmware } from '../../src-main/resources/firmware-folder.ts';
import {
  boardFiles,
  firmwareApps,
  firmwareVersion,
  pyBytes,
  renameCode,
  renderConfig,
  TEMP_DIR,
  validateInstallConfig,
} from '../../src-main/usb/installer.ts';
import { parseProbe } from '../../src-main/usb/probe.ts';
import { isMicroPythonPico } from '../../src-main/usb/listing.ts';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const FIRMWARE = path.join(ROOT, 'firmware');
const files = readFirmware(FIRMWARE);

describe('installer', () => {
  it('gives a board the firmware Python without config.py, README or package.json', () => {
    expect(Object.keys(boardFiles(files))).toEqual([
      'examples/__init__.py',
      'examples/dashboard.py',
      'examples/hello.py',
      'examples/temperature.py',
      'main.py',
      'picolink/__init__.py',
      'picolink/adv.py',
      'picolink/central.py',
      'picolink/link.py',
      'picolink/peripheral.py',
      'picolink/profile.py',
    ]);
  });

  it("reads the version the board's picolink/__init__.py declares", () => {
    expect(firmwareVersion(files)).toMatch(/^\d+\.\d+\.\d+$/);
    expect(firmwareVersion(files)).toBe(/VERSION = "([^"]+)"/.exec(readFileSync(path.join(FIRMWARE, 'picolink/__init__.py'), 'utf8'))![1]);
  });

  it('writes config.py over the template, keeping its comments and other settings', () => {
    const template = readFileSync(path.join(FIRMWARE, 'config.py'), 'utf8');
    const out = renderConfig(template, { name: 'kitchen "1"', role: 'central', peer: 'shed', app: 'hello' });
    expect(out.split('\n').filter((l) => /^(ROLE|NAME|PEER|APP|PROFILE) /.test(l))).toEqual([
      'ROLE = "central"  # "peripheral" (the dashboard links to it) or "central" (links to PEER)',
      'NAME = "kitchen \\"1\\""  # this board\'s advertised name (up to 29 characters)',
      'PEER = "shed"  # central: the peer\'s name to link to; None links to any PicoLink peripheral',
      'APP = "hello"  # "dashboard", "hello" (the tutorial\'s scenario) or "temperature"',
      'PROFILE = "picolink"  # "picolink", or "tutorial" to serve/speak the tutorial\'s 0x1848/0x2A6E profile',
    ]);
    expect(renderConfig('', { name: 'a', role: 'peripheral' })).toBe('ROLE = "peripheral"\nNAME = "a"\nPEER = None\nAPP = "dashboard"\n');
  });

  it('refuses what the firmware would not run as asked', () => {
    const apps = firmwareApps(files);
    expect(apps).toEqual(['dashboard', 'hello', 'temperature']);
    expect(validateInstallConfig({ name: 'kitchen', role: 'peripheral' }, apps)).toEqual([]);
    expect(validateInstallConfig({ name: 'é'.repeat(15), role: 'peripheral' }, apps)).toEqual(['name is 30 octets; a board advertises at most 29']);
    expect(validateInstallConfig({ name: '', role: 'sideways' as 'central' }, apps)).toEqual(['name is empty', 'role must be "central" or "peripheral", not "sideways"']);
    expect(validateInstallConfig({ name: 'a', role: 'peripheral', peer: 'b', app: 'blink' }, apps)).toEqual([
      'peer is for a central (the peripheral it links to)',
      'app must be one of dashboard, hello, temperature, not "blink"',
    ]);
    expect(validateInstallConfig({ name: 'a\nb', role: 'peripheral' }, apps)).toEqual(['name has control characters']);
  });

  it('writes bytes literals Python reads back as the same octets', () => {
    expect(pyBytes(Uint8Array.from([0x61, 0x27, 0x5c, 0x0a, 0x00, 0xff, 0x7e]))).toBe("b'a\\x27\\x5c\\x0a\\x00\\xff~'");
  });

  it('renames every file from the temporary folder in one exec, then removes that folder', () => {
    expect(TEMP_DIR).toContain('.'); // not a Python identifier: `import` never finds it
    const code = renameCode(['main.py', 'picolink/link.py']);
    expect(code).toContain('("/picolink.new/main.py", "/main.py"),\n    ("/picolink.new/picolink/link.py", "/picolink/link.py"),');
    expect(code).toMatch(/os\.rename\(s, d\)\n_pl_rm\('\/picolink\.new'\)\n$/);
  });
});

describe('probe and listing', () => {
  it("parses the probe's JSON line", () => {
    expect(parseProbe('["micropython", "1.27.0", "Raspberry Pi Pico W with RP2040", null]\r\n')).toEqual({
      micropython: { name: 'micropython', version: '1.27.0', machine: 'Raspberry Pi Pico W with RP2040' },
      picolink: null,
    });
    expect(parseProbe('["micropython", "1.27.0", "m", "0.1.0"]').picolink).toEqual({ version: '0.1.0' });
    expect(() => parseProbe('>>> ')).toThrow(/unexpected probe answer/);
  });

  it("picks the Pico's MicroPython CDC port by USB ids, in either case", () => {
    expect(isMicroPythonPico({ path: '/dev/ttyACM0', vendorId: '2e8a', productId: '0005' })).toBe(true);
    expect(isMicroPythonPico({ path: 'COM3', vendorId: '2E8A', productId: '0005' })).toBe(true);
    expect(isMicroPythonPico({ path: '/dev/ttyACM1', vendorId: '2e8a', productId: '000a' })).toBe(false);
    expect(isMicroPythonPico({ path: '/dev/ttyS0' })).toBe(false);
  });
});
