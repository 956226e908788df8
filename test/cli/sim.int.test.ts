// `picolink sim` end to end: wrong flags, boards booting real firmware, the control lines, an
// external central's pty on the same air, and a clean stop.
import { readlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SIM_USAGE } from '../../src-main/cli/usage.ts';
import type { Characteristic, Peripheral } from '@stoprocent/noble';
import { nobleOn } from '../radio/integration/stacks.ts';
import { cliFixture, gone, PtyHost, ROOT, type Cli } from './cli-process.ts';
import { enableNotifications } from '../../src-main/hub/link/cccd.ts';

const { dir, picolink } = cliFixture();
const PERIPHERAL = path.join(ROOT, 'test/fixtures/firmware/raw-peripheral');

describe('picolink sim', () => {
  it.each([
    [['--picos', '0']],
    [['--picos', 'two']],
    [['--firmware', '/no/such/folder']],
    [['--heap', '100']],
    [['--bogus']],
  ])('rejects %j with the usage and exit code 2', async (args) => {
    const cli = picolink('sim', ...args);
    expect(await cli.exit()).toBe(2);
    expect(cli.out.stderr).toContain(SIM_USAGE);
    expect(cli.out.stderr).toMatch(/^error: /);
  });

  it('runs boards with the firmware, opens a central pty, obeys control lines and stops cleanly', async () => {
    const central = path.join(dir(), 'central');
    const cli = picolink('sim', '--picos', '2', '--firmware', PERIPHERAL, '--hci-pty', central);
    await cli.waitFor('stdout', 'sim running 2 Pico(s)');
    await cli.waitFor('stdout', '[pico1] advertising');
    await cli.waitFor('stdout', '[pico2] advertising');
    expect(readlinkSync(central)).toMatch(/^\/dev\/pts\/\d+$/);
    // The central's controller answers a host on its pty.
    const host = new PtyHost(central);
    try {
      expect(await host.exchange('01030c00', 7)).toBe('040e0401030c00');
    } finally {
      host.close();
    }
    expect(await cli.send('picos', 'pico2')).toMatch(/pico1 {2}running {2}LED off/);
    await cli.send('reboot pico1', 'pico1 rebooted');
    await cli.send('power pico2 off', 'pico2 powered off');
    expect(await cli.send('picos', 'pico2')).toMatch(/pico2 {2}off/);
    expect(await cli.send('bogus', 'error:', 'stderr')).toMatch(/unknown command "bogus"/);
    expect(await cli.send('reboot nosuch', 'error:', 'stderr')).toMatch(/no Pico named "nosuch"/);
    cli.child.kill('SIGINT');
    expect(await cli.exit()).toBe(0);
    expect(cli.out.stdout).toContain('sim stopped');
    expect(gone(central)).toBe(true);
  });

  it('noble attaches through --hci-pty and talks to a Pico GATT server', async () => {
    const central = path.join(dir(), 'central');
    const cli = picolink('sim', '--picos', '1', '--firmware', PERIPHERAL, '--hci-pty', central);
    await cli.waitFor('stdout', '[pico1] advertising');
    const noble = nobleOn(central);
    try {
      await noble.waitForPoweredOnAsync(10_000);
      const found = new Promise<Peripheral>((resolve) => noble.on('discover', (p: Peripheral) => p.advertisement.localName === 'vp-per' && resolve(p)));
      await noble.startScanningAsync([], false);
      const p = await found;
      await noble.stopScanningAsync();
      await noble.connectAsync(p.id, { minInterval: 12, maxInterval: 12, latency: 0, timeout: 200 });
      await cli.waitFor('stdout', '[pico1] connected');
      const { characteristics } = await p.discoverSomeServicesAndCharacteristicsAsync(['5049434f4c494e4b0000000000000101'], []);
      const ch: Characteristic = characteristics[0]!;
      const got: string[] = [];
      ch.on('data', (d: Buffer) => got.push(d.toString()));
      // A Pico W answers a CCCD read with no value, which noble's subscribe cannot take: write it, as the hub does.
      await enableNotifications(ch);
      await ch.writeAsync(Buffer.from('c2p 0\n'), false);
      await ch.writeAsync(Buffer.from('c2p 1\n'), true);
      await expect.poll(() => got, { timeout: 5_000, interval: 50 }).toEqual(['p2c 0', 'p2c 1']);
    } finally {
      noble.stop();
    }
  });

  // A sim left behind by a parent that was killed ran on at 20-45% CPU, its links in place.
  it.each([
    ['SIGTERM', (cli: Cli) => cli.signal('SIGTERM')],
    ['SIGHUP', (cli: Cli) => cli.signal('SIGHUP')],
    ['end of standard input', (cli: Cli) => cli.child.stdin.end()],
  ])('%s stops the sim within the bound and removes the central link', async (how, stop) => {
    const central = path.join(dir(), 'central');
    const cli = picolink('sim', '--picos', '1', '--firmware', PERIPHERAL, '--hci-pty', central);
    await cli.waitFor('stdout', 'sim running 1 Pico(s)', 0, 30_000);
    const t0 = performance.now();
    stop(cli);
    expect(await cli.exit(5_000)).toBe(0);
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(cli.out.stdout).toContain(`sim stopped (${how})`);
    expect(gone(central)).toBe(true);
  });
});
