// End to end through the real entry point: bin/picolink.js in a child process, with real ptys.
import { lstatSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAIN_USAGE, RADIO_USAGE } from '../../src-main/cli/usage.ts';
import { BTSNOOP_HEADER, cliFixture, gone, PtyHost, snoopRecords } from './cli-process.ts';

const { dir: tmp, picolink } = cliFixture();
/** Microseconds from 0000-01-01 to 1970-01-01 in btsnoop timestamps. */
const EPOCH_OFFSET_US = 0x00dcddb30f2f8000n;
/**
 * Bytes a terminal not in raw mode eats or changes: NUL, INTR, EOF, NL (onlcr), CR (icrnl), XON,
 * XOFF, KILL, LNEXT, SUSP, QUIT, ERASE, and 0xff (istrip).
 */
const TTY_SPECIALS = ['00', '03', '04', '0a', '0d', '11', '13', '15', '16', '1a', '1c', '7f', 'ff'];
/** A vendor-specific command (OGF 0x3f) whose opcode's low byte is `b`, and its reply. */
const vendor = (b: string): [command: string, event: string] => [`01${b}fc00`, `040e0401${b}fc01`]; // 0x01 Unknown HCI Command

describe('usage', () => {
  it.each([
    ['radio --bogus', ['radio', '--bogus'], RADIO_USAGE, '--bogus'],
    ['radio without --hci-pty', ['radio'], RADIO_USAGE, 'at least one --hci-pty'],
    ['radio --max-connections 0', ['radio', '--max-connections', '0'], RADIO_USAGE, 'at least one --hci-pty'],
    ['radio --hci-pty P --max-connections 0', ['radio', '--hci-pty', '/nonexistent/a', '--max-connections', '0'], RADIO_USAGE, '--max-connections takes'],
    ['an unknown subcommand', ['frobnicate'], MAIN_USAGE, 'unknown command "frobnicate"'],
    ['no subcommand', [], MAIN_USAGE, 'no command given'],
  ])('%s exits 2 with the error and usage on stderr', async (_what, args, usage, error) => {
    const cli = picolink(...args);
    expect(await cli.exit()).toBe(2);
    expect(cli.out.stderr).toMatch(/^error: /);
    expect(cli.out.stderr).toContain(error);
    expect(cli.out.stderr).toContain(usage);
    expect(cli.out.stdout).toBe('');
  });

  it.each([
    ['--help', ['--help'], MAIN_USAGE],
    ['radio --help', ['radio', '--help'], RADIO_USAGE],
  ])('%s exits 0 with usage on stdout', async (_what, args, usage) => {
    const cli = picolink(...args);
    expect(await cli.exit()).toBe(0);
    expect(cli.out.stdout).toBe(`${usage}\n`);
    expect(cli.out.stderr).toBe('');
  });
});

describe('radio', () => {
  it('runs two nodes, obeys control lines, and cleans up on SIGINT', async () => {
    const [a, b] = [path.join(tmp(), 'a'), path.join(tmp(), 'b')];
    const cli = picolink('radio', '--hci-pty', a, '--hci-pty', b, '--btsnoop', path.join(tmp(), 'cap.btsnoop'));
    await cli.waitFor('stdout', 'radio running');
    for (const link of [a, b]) {
      expect(lstatSync(link).isSymbolicLink()).toBe(true);
      expect(readlinkSync(link)).toMatch(/^\/dev\/pts\/\d+$/);
      expect(statSync(link).isCharacterDevice()).toBe(true);
    }
    expect(readlinkSync(a)).not.toBe(readlinkSync(b));

    const nodes = await cli.send('nodes', `${b}\n`);
    expect(nodes).toMatch(/^hci0 .* on .*\/a$/m);
    expect(nodes).toMatch(/^hci1 .* on .*\/b$/m);

    expect(await cli.send('bogus', 'error:', 'stderr')).toContain('unknown command "bogus"');
    expect(cli.running).toBe(true);

    expect(await cli.send('power hci0 off', 'hci0 powered off')).toBeTruthy();
    expect(await cli.send('move hci1 5 5', 'hci1 moved to (5, 5)')).toBeTruthy();
    expect(await cli.send('per hci0 hci1 0.1', 'packet error rate hci0 <-> hci1: 0.1')).toBeTruthy();
    const missing = await cli.send('per hci0 nosuch 0.1', '\n', 'stderr');
    expect(missing).toMatch(/^error: .*"nosuch"/);

    const after = await cli.send('nodes', `${b}\n`);
    expect(after).toMatch(/^hci0 .* off /m);
    expect(after).toMatch(/^hci1 .* at \(5, 5\) /m);

    cli.child.kill('SIGINT');
    expect(await cli.exit()).toBe(0);
    expect(cli.out.stdout).toContain('radio stopped');
    expect(gone(a)).toBe(true);
    expect(gone(b)).toBe(true);
    for (const node of ['hci0', 'hci1']) {
      const snoop = readFileSync(path.join(tmp(), `cap-${node}.btsnoop`));
      expect(snoop.subarray(0, 16).toString('hex')).toBe(BTSNOOP_HEADER);
    }
  });

  it('answers HCI commands on the pty, byte for byte, and captures them', async () => {
    const link = path.join(tmp(), 'h');
    const cli = picolink('radio', '--hci-pty', link, '--btsnoop', path.join(tmp(), 'cap.btsnoop'));
    await cli.waitFor('stdout', 'radio running');
    const startUs = BigInt(Date.now()) * 1000n + EPOCH_OFFSET_US;

    const host = new PtyHost(link);
    try {
      expect(await host.exchange('01030c00', 7)).toBe('040e0401030c00'); // Reset -> Command Complete
      // Each special byte goes out in the command and comes back in the event's opcode field.
      for (const [command, event] of TTY_SPECIALS.map(vendor)) expect(await host.exchange(command, 7)).toBe(event);
    } finally {
      host.close();
    }
    const endUs = BigInt(Date.now()) * 1000n + EPOCH_OFFSET_US;

    cli.child.kill('SIGINT');
    expect(await cli.exit()).toBe(0);
    const snoop = readFileSync(path.join(tmp(), 'cap-hci0.btsnoop'));
    expect(snoop.subarray(0, 16).toString('hex')).toBe(BTSNOOP_HEADER);
    const records = snoopRecords(snoop);
    expect(records.map(({ flags, drops, length, packet }) => ({ flags, drops, length, packet }))).toEqual([
      { flags: 2, drops: 0, length: 4, packet: '01030c00' },
      { flags: 3, drops: 0, length: 7, packet: '040e0401030c00' },
      ...TTY_SPECIALS.map(vendor).flatMap(([command, event]) => [
        { flags: 2, drops: 0, length: 4, packet: command },
        { flags: 3, drops: 0, length: 7, packet: event },
      ]),
    ]);
    for (const [i, r] of records.entries()) {
      expect(r.timestampUs).toBeGreaterThanOrEqual(i === 0 ? startUs : records[i - 1]!.timestampUs);
      expect(r.timestampUs).toBeLessThanOrEqual(endUs);
    }
  });
});
