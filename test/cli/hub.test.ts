// `picolink hub` end to end: the real entry point, the simulator, the log and the export.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliFixture } from './cli-process.ts';

const { dir, picolink } = cliFixture();

interface JsonLine {
  type: string;
  [k: string]: unknown;
}

const lines = (stdout: string): JsonLine[] => stdout.trim().split('\n').map((l) => JSON.parse(l) as JsonLine);

describe('picolink hub', () => {
  it('links simulated Picos, prints JSON lines and a summary, and exports the session', async () => {
    const out = path.join(dir(), 'out.csv');
    const cli = picolink('hub', '--sim', '2', '--duration', '3', '--ping-hz', '10', '--json', '--export', out, '--home', dir());
    expect(await cli.exit(60_000)).toBe(0);
    const records = lines(cli.out.stdout);
    const summary = records.find((r) => r.type === 'summary') as unknown as { devices: { name: string; count: number; lost: number; p50: number }[] };
    expect(summary.devices.map((d) => d.name).sort()).toEqual(['pico1', 'pico2']);
    for (const d of summary.devices) {
      // 3 s measured at 10 Hz, plus the time it took the other link to come up.
      expect(d.count).toBeGreaterThanOrEqual(28);
      expect(d.lost).toBe(0);
      expect(d.p50).toBeGreaterThan(0);
    }
    expect(records.filter((r) => r.type === 'state' && r.state === 'linked')).toHaveLength(2);
    expect(records.some((r) => r.type === 'status')).toBe(true);
    const exported = records.find((r) => r.type === 'exported')!;
    expect(exported.file).toBe(out);
    const csv = readFileSync(out, 'utf8').trim().split(/\r?\n/);
    expect(csv[0]!.startsWith('record,session,device,name,time')).toBe(true);
    const samples = csv.filter((l) => l.startsWith('sample,'));
    expect(samples.length).toBe(summary.devices.reduce((n, d) => n + d.count + d.lost, 0));
    expect(csv.length - 1).toBe(exported.rows);
    // The simulator keeps its own paired list; the log is in the app data folder.
    expect(JSON.parse(readFileSync(path.join(dir(), 'paired-sim.json'), 'utf8')).devices).toHaveLength(2);
    expect(existsSync(path.join(dir(), 'paired.json'))).toBe(false);
    expect(existsSync(path.join(dir(), 'log.sqlite'))).toBe(true);
  });

  it('sets a corrupt paired list aside with a warning and carries on', async () => {
    writeFileSync(path.join(dir(), 'paired-sim.json'), '{"version": 1, "devices": [{"addr');
    const cli = picolink('hub', '--sim', '1', '--duration', '1', '--home', dir());
    expect(await cli.exit(60_000)).toBe(0);
    expect(cli.out.stdout).toMatch(/warning: The paired devices file .*paired-sim\.json is not valid JSON; it was moved to/);
    expect(cli.out.stdout).toMatch(/pico1 +e6:[0-9a-f:]+ +\d+ +0 +0\.00%/);
    expect(readdirSync(dir()).some((f) => f.startsWith('paired-sim.json.corrupt-'))).toBe(true);
  });

  it.each([
    [['--sim', 'eight']],
    [['--ping-hz', 'fast']],
    [['--export', 'out.xlsx']],
    [['--hci', 'usb0']],
    [['--frobnicate']],
  ])('%j: usage text and exit code 2', async (args) => {
    const cli = picolink('hub', ...args);
    expect(await cli.exit()).toBe(2);
    expect(cli.out.stderr).toMatch(/^error: /);
    expect(cli.out.stderr).toContain('Usage: picolink hub');
  });

  it('says clearly when a serial adapter is not there', async () => {
    const cli = picolink('hub', '--hci', `uart:${path.join(dir(), 'ttyNone')}`, '--home', dir());
    expect(await cli.exit()).toBe(1);
    expect(cli.out.stderr).toMatch(/error: the serial port .*ttyNone does not exist/);
  });
});
