// `picolink sim --repl-pty DIR`: every board's USB serial port as DIR/picoN, its filesystem in
// DIR/picoN.fs, and nothing left open when the simulator stops.
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SIM_USAGE } from '../../src-main/cli/usage.ts';
import { cliFixture, gone, ROOT } from '../cli/cli-process.ts';
import { RawRepl } from '../../src-main/usb/raw-repl.ts';
import { closeSerial, openSerial } from '../../src-main/usb/serial-open.ts';

const { dir, picolink } = cliFixture();
const PERIPHERAL = path.join(ROOT, 'test/fixtures/firmware/raw-peripheral');

describe('picolink sim --repl-pty', () => {
  it('refuses a folder that does not exist', async () => {
    const cli = picolink('sim', '--repl-pty', '/no/such/folder');
    expect(await cli.exit()).toBe(2);
    expect(cli.out.stderr).toContain(SIM_USAGE);
  });

  it("gives each board a REPL pty and a filesystem folder, and closes them when it stops", async () => {
    const cli = picolink('sim', '--picos', '2', '--firmware', PERIPHERAL, '--repl-pty', dir());
    await cli.waitFor('stdout', 'sim running 2 Pico(s)');
    const pty2 = path.join(dir(), 'pico2');
    expect(cli.out.stdout).toContain(`pico2: USB serial (REPL) at ${pty2}`);
    expect(readlinkSync(pty2)).toMatch(/^\/dev\/pts\/\d+$/);
    // The installer's client, on the port as `picolink install DIR/pico2` opens it.
    const port = await openSerial(pty2);
    try {
      const repl = new RawRepl(port);
      await repl.enterRawRepl(false);
      await repl.execNoFollow("import sys, os\nprint(sys.platform, os.uname().machine)\nf = open('hi.txt', 'w')\nf.write('from pico2')\nf.close()");
      expect(await repl.follow()).toEqual({
        out: 'rp2 Raspberry Pi Pico W with RP2040\r\n',
        err: '',
      });
    } finally {
      await closeSerial(port);
    }
    expect(readFileSync(path.join(dir(), 'pico2.fs', 'hi.txt'), 'utf8')).toBe('from pico2');
    expect(existsSync(path.join(dir(), 'pico1.fs', 'main.py'))).toBe(true);
    cli.child.kill('SIGINT');
    expect(await cli.exit()).toBe(0);
    expect(gone(pty2)).toBe(true);
    expect(gone(path.join(dir(), 'pico1'))).toBe(true);
  }, 60_000);
});
