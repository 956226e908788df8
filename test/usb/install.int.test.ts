// `picolink install` and `picolink boards` end to end against a virtual Pico's USB serial pty
// (`picolink sim --blank --repl-pty DIR`): the board starts with an empty filesystem, gets
// PicoLink over the raw REPL, runs it after the soft reset, and the hub links to it by the name
// it was given. A board that vanishes mid-copy keeps its previous install; a port held by
// another program and a port that is not MicroPython get their own clear errors.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { SerialPort } from 'serialport';
import { describe, expect, it } from 'vitest';
import { PtyPort } from '../../src-main/radio/transport/pty.ts';
import { readFirmware } from '../../src-main/resources/firmware-folder.ts';
import { UsbError } from '../../src-main/usb/errors.ts';
import { boardFiles, installPicoLink, TEMP_DIR } from '../../src-main/usb/installer.ts';
import { listUsbBoards, type UsbBoard } from '../../src-main/usb/listing.ts';
import { cliFixture, gone, ROOT } from '../cli/cli-process.ts';

const { dir, picolink } = cliFixture();
const FIRMWARE = readFirmware(path.join(ROOT, 'firmware'));

/** Every file under `root`, by relative path. */
function filesUnder(root: string, rel = ''): string[] {
  return readdirSync(path.join(root, rel)).flatMap((n) => {
    const r = rel ? `${rel}/${n}` : n;
    return statSync(path.join(root, r)).isDirectory() ? filesUnder(root, r) : [r];
  });
}

const configName = (fs: string): string | undefined => /^NAME = "([^"]*)"/m.exec(readFileSync(path.join(fs, 'config.py'), 'utf8'))?.[1];

async function boards(...paths: string[]): Promise<{ code: number | null; boards: UsbBoard[]; stderr: string }> {
  const cli = picolink('boards', '--json', ...paths);
  const code = await cli.exit(15_000);
  return { code, boards: cli.out.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as UsbBoard), stderr: cli.out.stderr };
}

describe('picolink install onto a virtual Pico', () => {
  it('installs onto a blank board, which runs it and links to the hub by its new name; a board gone mid-copy keeps its old install', async () => {
    const port = path.join(dir(), 'pico1');
    const fs = path.join(dir(), 'pico1.fs');
    const central = path.join(dir(), 'central');
    const sim = picolink('sim', '--picos', '1', '--blank', '--repl-pty', dir(), '--hci-pty', central);
    await sim.waitFor('stdout', 'sim running 1 Pico(s)');

    // A blank board: MicroPython, no PicoLink, no files.
    const before = await boards(port);
    expect(before.code).toBe(0);
    expect(before.boards).toEqual([{ path: port, label: null, micropython: { version: '1.27.0', machine: 'Raspberry Pi Pico W with RP2040' }, picolink: null }]);
    expect(existsSync(fs) ? filesUnder(fs) : []).toEqual([]);

    // The port held by another program (here, this one): refused, naming it.
    const holder = new SerialPort({ path: port, baudRate: 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) => holder.open((e) => (e ? reject(e) : resolve())));
    try {
      const busy = await installPicoLink(port, { name: 'kitchen', role: 'peripheral' }, {}).catch((e: unknown) => e);
      expect(busy).toMatchObject({ code: 'port-busy', message: `${port} is in use by node (pid ${process.pid})` });
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }

    const install = picolink('install', port, '--name', 'kitchen');
    expect(await install.exit(30_000), install.transcript() + sim.transcript()).toBe(0);
    expect(install.out.stdout).toContain(`installed PicoLink 0.1.0 on ${port} as "kitchen" (peripheral): 12 files`);
    expect(install.out.stderr).toMatch(/100% {2}(\d+)\/\1 bytes {2}config\.py/);
    await sim.waitFor('stdout', '[pico1] advertising kitchen', 0, 15_000);
    const want = boardFiles(FIRMWARE);
    expect(filesUnder(fs).sort()).toEqual([...Object.keys(want), 'config.py'].sort());
    for (const [f, body] of Object.entries(want)) expect(readFileSync(path.join(fs, f)).equals(body), f).toBe(true);
    expect(configName(fs)).toBe('kitchen');

    // The hub finds the board by the name it was given and links to it.
    const hub = picolink('hub', '--hci', `uart:${central}`, '--pair', 'kitchen', '--json', '--home', path.join(dir(), 'home'));
    await hub.waitFor('stdout', '"name":"kitchen","state":"linked"', 0, 30_000);
    hub.signal('SIGINT');
    expect(await hub.exit(15_000)).toBe(0);

    // Update to another name, and pull the board (the simulator dies) in the middle of the copy.
    const mid = sim.out.stdout.length;
    let pulledAt = 0;
    const failed = await installPicoLink(
      port,
      { name: 'garage', role: 'peripheral' },
      {
        timeoutMs: 3_000,
        onProgress: (p) => {
          if (p.phase === 'copy' && p.done > 10_000 && !pulledAt) {
            pulledAt = p.done;
            sim.kill();
          }
        },
      },
    ).catch((e: unknown) => e);
    expect(pulledAt, `the update ended before the board was pulled: ${String(failed)} ${JSON.stringify(failed)}\n${sim.transcript()}`).toBeGreaterThan(0);
    expect(failed).toBeInstanceOf(UsbError);
    expect((failed as UsbError).code).toBe('no-answer');
    expect((failed as UsbError).hint).toContain('Nothing was installed');
    expect(sim.out.stdout.slice(mid)).not.toContain('advertising garage');

    // Plugged in again, it runs the old install; the copied files wait under TEMP_DIR, which
    // Python cannot import (its name has a dot), and nothing in place changed.
    const again = picolink('sim', '--picos', '1', '--repl-pty', dir());
    await again.waitFor('stdout', '[pico1] advertising kitchen', 0, 15_000);
    expect(configName(fs)).toBe('kitchen');
    for (const [f, body] of Object.entries(want)) expect(readFileSync(path.join(fs, f)).equals(body), f).toBe(true);
    const extra = filesUnder(fs).filter((f) => !(f in want) && f !== 'config.py');
    expect(extra.length).toBeGreaterThan(0);
    expect(extra.every((f) => f.startsWith(`${TEMP_DIR.slice(1)}/`))).toBe(true);

    // A re-run clears the leftovers and installs.
    const rerun = picolink('install', port, '--name', 'garage');
    expect(await rerun.exit(30_000), rerun.transcript() + again.transcript()).toBe(0);
    await again.waitFor('stdout', '[pico1] advertising garage', 0, 15_000);
    expect(configName(fs)).toBe('garage');
    expect(gone(path.join(fs, TEMP_DIR))).toBe(true);

    // Cancelled mid-copy while the board answers: the temporary files go, the board runs on as it was.
    const abort = new AbortController();
    const cancelledFrom = again.out.stdout.length;
    const cancelled = await installPicoLink(port, { name: 'attic', role: 'peripheral' }, { signal: abort.signal, onProgress: (p) => p.done > 10_000 && abort.abort() }).catch(
      (e: unknown) => e,
    );
    expect(cancelled).toMatchObject({ code: 'cancelled' });
    await again.waitFor('stdout', '[pico1] advertising garage', cancelledFrom, 15_000);
    expect(configName(fs)).toBe('garage');
    expect(gone(path.join(fs, TEMP_DIR))).toBe(true);
    expect(await listUsbBoards({ extraPaths: [port], timeoutMs: 10_000 })).toEqual([{ path: port, label: null, micropython: { version: '1.27.0', machine: 'Raspberry Pi Pico W with RP2040' }, picolink: { version: '0.1.0' } }]);
  }, 120_000);

  it('says a port that answers garbage is not MicroPython, and how to put MicroPython on it', async () => {
    const garbage = new PtyPort(path.join(dir(), 'ttyGarbage'));
    garbage.onData(() => garbage.write(Buffer.from('\x00\xff?? garbage ??\r\n', 'latin1')));
    try {
      // One after the other: the second would find the port locked by the first.
      // (The listing in-process with a short probe; the CLI's own 3 s probe is the install's.)
      const listed = { code: 1, boards: await listUsbBoards({ extraPaths: [garbage.linkPath], timeoutMs: 500 }) };
      const cli = picolink('install', garbage.linkPath, '--name', 'x');
      const install = { code: await cli.exit(15_000), stderr: cli.out.stderr };
      expect(listed.boards).toHaveLength(1);
      expect(listed.boards[0]).toMatchObject({ path: garbage.linkPath, micropython: null, picolink: null, error: { code: 'not-micropython' } });
      expect(listed.boards[0]!.error!.message).toContain('https://micropython.org/download/RPI_PICO_W/');
      expect(install.code).toBe(1);
      expect(install.stderr).toContain('error: no MicroPython raw REPL answered');
      expect(install.stderr).toContain('hold the BOOTSEL button');
    } finally {
      garbage.close();
    }
  }, 30_000);

  it('refuses a missing port and a bad configuration before touching a board', async () => {
    const missing = picolink('install', path.join(dir(), 'ttyNone'));
    expect(await missing.exit()).toBe(1);
    expect(missing.out.stderr).toContain('does not exist');
    const badRole = picolink('install', path.join(dir(), 'ttyNone'), '--role', 'sideways');
    expect(await badRole.exit()).toBe(2);
    expect(badRole.out.stderr).toContain('Usage: picolink install');
    const longName = picolink('install', path.join(dir(), 'ttyNone'), '--name', 'n'.repeat(30));
    expect(await longName.exit()).toBe(2);
    expect(longName.out.stderr).toContain('error: name is 30 octets; a board advertises at most 29');
  });
});
