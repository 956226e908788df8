// `picolink radio` end to end: adding and removing nodes at run time, and the ways it stops.
import { readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTROL_HELP } from '../../src-main/cli/radio-control.ts';
import { cliFixture, gone, PtyHost, type Cli } from './cli-process.ts';

const { dir: tmp, picolink } = cliFixture();

async function radio(...links: string[]): Promise<Cli> {
  const cli = picolink('radio', ...links.flatMap((l) => ['--hci-pty', path.join(tmp(), l)]));
  await cli.waitFor('stdout', 'radio running');
  return cli;
}

/** The pseudo-terminal descriptors (master and slave) the process holds open. */
const ptyFds = (cli: Cli): number =>
  readdirSync(`/proc/${cli.child.pid}/fd`).filter((fd) => {
    try {
      return /^\/dev\/(ptmx|pts\/\d+)$/.test(readlinkSync(`/proc/${cli.child.pid}/fd/${fd}`));
    } catch {
      return false; // closed while listing
    }
  }).length;

describe('radio control at run time', () => {
  it('help prints the control help', async () => {
    const cli = await radio('a');
    expect(await cli.send('help', 'stop the radio\n')).toBe(`${CONTROL_HELP}\n`);
  });

  it('add opens a working node; remove closes it and its link', async () => {
    const cli = await radio('a');
    const c = path.join(tmp(), 'c');
    expect(await cli.send(`add extra ${c}`, 'added extra')).toMatch(/^extra: open .*\/c {2}\(BD_ADDR C0:DE:00:00:00:02\)/);
    expect(readlinkSync(c)).toMatch(/^\/dev\/pts\/\d+$/);
    expect(await cli.send('nodes', `${c}\n`)).toMatch(/^extra .* on .*\/c$/m);

    const host = new PtyHost(c);
    try {
      expect(await host.exchange('01030c00', 7)).toBe('040e0401030c00');
    } finally {
      host.close();
    }

    await cli.send('remove extra', 'removed extra');
    expect(gone(c)).toBe(true);
    expect(await cli.send('nodes', '\n')).not.toContain('extra');
    expect(await cli.send('remove extra', 'error:', 'stderr')).toContain('no node named "extra"');
  });

  it('add refuses a name in use and a path that is not a symlink, and keeps running', async () => {
    const cli = await radio('a');
    expect(await cli.send(`add hci0 ${path.join(tmp(), 'c')}`, 'error:', 'stderr')).toContain('hci0 exists already');
    const file = path.join(tmp(), 'file');
    writeFileSync(file, 'not a pty');
    expect(await cli.send(`add x ${file}`, 'error:', 'stderr')).toContain('is not a symlink');
    expect(await cli.send('nodes', '\n')).not.toMatch(/^x /m);
    // The failed node was taken out again, so its name is free.
    expect(await cli.send(`add x ${path.join(tmp(), 'x')}`, 'added x')).toBeTruthy();
  });

  it('drop reports how many connections it dropped', async () => {
    const cli = await radio('a', 'b');
    expect(await cli.send('drop hci0 hci1', 'dropped')).toContain('0 connection(s) between hci0 and hci1 dropped');
  });
});

describe('radio stopping', () => {
  it('quit closes the radio and removes the links', async () => {
    const cli = await radio('a', 'b');
    await cli.send('quit', 'radio stopped\n');
    expect(gone(path.join(tmp(), 'a'))).toBe(true);
    expect(gone(path.join(tmp(), 'b'))).toBe(true);
  });

  // Signals, the end of standard input and a host that stops reading: radio-stop.int.test.ts.

  it('a pty that cannot be linked at start exits 1 and removes the links made before it', async () => {
    const file = path.join(tmp(), 'file');
    writeFileSync(file, 'not a pty');
    const cli = picolink('radio', '--hci-pty', path.join(tmp(), 'a'), '--hci-pty', file);
    expect(await cli.exit()).toBe(1);
    expect(cli.out.stderr).toMatch(/^error: .*file exists and is not a symlink/);
    expect(cli.out.stdout).not.toContain('radio running');
    expect(gone(path.join(tmp(), 'a'))).toBe(true);
  });
});

describe('resources and ownership', () => {
  // The pty pair is opened before its link is made; a refused link must close both ends again.
  it('a refused add leaks no pty descriptors', async () => {
    const cli = await radio('a');
    const file = path.join(tmp(), 'file');
    writeFileSync(file, 'not a pty');
    const before = ptyFds(cli);
    for (let i = 0; i < 3; i++) await cli.send(`add x${i} ${file}`, 'error:', 'stderr');
    expect(ptyFds(cli)).toBe(before);
  });

  // A path that is a live node's endpoint cannot be taken by `add`, and removing a node only
  // removes a link that still points at its own pty.
  it("add refuses another node's endpoint, and remove deletes only its own link", async () => {
    const cli = await radio('a');
    const a = path.join(tmp(), 'a');
    const hci0Pty = readlinkSync(a);
    expect(await cli.send(`add z ${a}`, 'error:', 'stderr')).toMatch(/already node hci0/);
    expect(readlinkSync(a)).toBe(hci0Pty);
    await cli.send('remove hci0', 'removed hci0');
    expect(gone(a)).toBe(true);
  });

  it('quit exits with code 0 while standard input is still open', async () => {
    const cli = await radio('a');
    await cli.send('quit', 'radio stopped\n');
    expect(await cli.exit(3000)).toBe(0);
  });
});
