// `picolink radio` with a host that dies mid-traffic, and the ways the radio is told to stop.
// Seen before: a host killed with its port open left the radio retrying EAGAIN in a tight loop,
// at 20-45% CPU (here up to a whole core), deaf to its control lines and to SIGTERM, forever.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cliFixture, gone, PtyHost, ROOT, snoopRecords, type Cli } from './cli-process.ts';

const { dir: tmp, picolink, picolinkNoStdin } = cliFixture();
const FLOOD_HOST = path.join(ROOT, 'test/fixtures/hci-flood-host.cjs');
const EXIT_BOUND_MS = 5_000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const hosts: ChildProcess[] = [];
afterEach(() => {
  for (const h of hosts.splice(0)) killGroup(h);
});

/** Kills the host's process group while the host runs (after that its group id may be reused). */
function killGroup(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // gone already
  }
}

/** CPU the process has used, in ms (Linux: utime + stime from /proc, in 10 ms ticks). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function radio(...links: string[]): Promise<Cli> {
  const cli = picolink('radio', ...links.flatMap((l) => ['--hci-pty', path.join(tmp(), l)]));
  await cli.waitFor('stdout', 'radio running');
  return cli;
}

/** A host process that writes commands to `link` without ever reading the events they cause. */
async function floodHost(link: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [FLOOD_HOST, link, '500'], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  hosts.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`flood host exited with ${code}`)));
  });
  return child;
}

describe.skipIf(process.platform !== 'linux')('a host that dies mid-traffic', () => {
  it('the radio stays cheap and responsive, counts what it drops, and SIGTERM ends it', async () => {
    const cli = await radio('a');
    const host = await floodHost(path.join(tmp(), 'a'));
    // 50,000 commands/s, each answered with 13 octets nobody reads: the kernel's buffer and the
    // radio's bound fill within a second.
    await sleep(1_500);
    killGroup(host);
    await sleep(300);

    const pid = cli.child.pid!;
    const before = cpuMs(pid);
    const wall0 = performance.now();
    await sleep(2_000);
    const share = (cpuMs(pid) - before) / (performance.now() - wall0);
    expect(share).toBeLessThan(0.15);

    expect(cli.out.stderr).toMatch(/warning: hci0: the host at .*\/a is not reading: packets to it are dropped/);
    // Still listening: control lines are answered and the drops are counted there.
    const nodes = await cli.send('nodes', '\n');
    const dropped = Number(/dropped (\d+)/.exec(nodes)?.[1]);
    expect(dropped).toBeGreaterThan(1_000);

    const from = cli.out.stderr.length;
    const t0 = performance.now();
    cli.signal('SIGTERM');
    expect(await cli.exit(EXIT_BOUND_MS)).toBe(0);
    expect(performance.now() - t0).toBeLessThan(EXIT_BOUND_MS);
    expect(cli.out.stdout).toContain('radio stopped (SIGTERM)');
    expect(cli.out.stderr.slice(from)).toMatch(/warning: hci0: \d+ packet\(s\) dropped because its host did not read/);
    expect(gone(path.join(tmp(), 'a'))).toBe(true);
  });
});

describe('stopping', () => {
  it.each([
    ['SIGTERM', (cli: Cli) => cli.signal('SIGTERM'), 'radio stopped (SIGTERM)'],
    ['SIGHUP', (cli: Cli) => cli.signal('SIGHUP'), 'radio stopped (SIGHUP)'],
    ['the end of its parent’s pipe on standard input', (cli: Cli) => cli.child.stdin.end(), 'radio stopped (end of standard input)'],
  ])('%s ends the radio within the bound and removes its links', async (_how, stop, said) => {
    const cli = await radio('a', 'b');
    const t0 = performance.now();
    stop(cli);
    expect(await cli.exit(EXIT_BOUND_MS)).toBe(0);
    expect(performance.now() - t0).toBeLessThan(EXIT_BOUND_MS);
    expect(cli.out.stdout).toContain(said);
    expect(gone(path.join(tmp(), 'a'))).toBe(true);
    expect(gone(path.join(tmp(), 'b'))).toBe(true);
  });

  it('standard input from /dev/null, which ends at once, stops nothing; SIGTERM does', async () => {
    const cli = picolinkNoStdin('radio', '--hci-pty', path.join(tmp(), 'a'));
    await cli.waitFor('stdout', 'radio running');
    await sleep(300);
    expect(cli.running).toBe(true);
    cli.signal('SIGTERM');
    expect(await cli.exit(EXIT_BOUND_MS)).toBe(0);
    expect(gone(path.join(tmp(), 'a'))).toBe(true);
  });

  it('a stop in the middle of traffic leaves a whole capture holding every event the host got', async () => {
    const link = path.join(tmp(), 'h');
    const cli = picolink('radio', '--hci-pty', link, '--btsnoop', path.join(tmp(), 'cap.btsnoop'));
    await cli.waitFor('stdout', 'radio running');
    const host = new PtyHost(link);
    let received = 0;
    let sending = true;
    // Read_BD_ADDR in bursts; each Command Complete is 13 octets.
    const pump = (async () => {
      while (sending) {
        try {
          await host.exchange('01091000'.repeat(50), 50 * 13, 2_000);
          received += 50;
        } catch {
          return; // the radio closed the pty
        }
      }
    })();
    await sleep(700);
    cli.signal('SIGTERM');
    expect(await cli.exit(EXIT_BOUND_MS)).toBe(0);
    sending = false;
    await pump;
    host.close();
    expect(received).toBeGreaterThan(500);
    const records = snoopRecords(readFileSync(path.join(tmp(), 'cap-hci0.btsnoop')));
    const events = records.filter((r) => r.flags === 3 && r.packet.startsWith('040e0a01091000'));
    expect(events.length).toBeGreaterThanOrEqual(received);
    for (let i = 1; i < records.length; i++) expect(records[i]!.timestampUs).toBeGreaterThanOrEqual(records[i - 1]!.timestampUs);
  });
});
