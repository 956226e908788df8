// `picolink hub` end to end: the real entry point, the simulator, the log and the export.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { sqliteOptions } from '../../src-main/hub/store/sqlite-binding.ts';
import { Radio } from '../../src-main/radio/radio.ts';
import { ATT_WRITE_NOT_PERMITTED, ScriptedGattPeer } from '../hub/scripted-gatt-peer.ts';
import { cliFixture, type Cli } from './cli-process.ts';

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

  it('says so when GATT setup keeps failing the same way, and keeps retrying', async () => {
    // A UART dongle on the virtual radio, and a NUS device that refuses every CCCD write with
    // Write Not Permitted, which noble never hands to its caller: the write times out each time.
    const radio = new Radio();
    const port = path.join(dir(), 'dongle');
    radio.addNode({ name: 'dongle' });
    radio.attachPty('dongle', port);
    const peer = await ScriptedGattPeer.start(radio, 'stubborn', { profile: 'nus', cccd: true, cccdByType: { octets: 0 }, cccdWriteError: ATT_WRITE_NOT_PERMITTED });
    try {
      const cli = picolink('hub', '--hci', `uart:${port}`, '--pair', peer.address, '--json', '--home', dir());
      await cli.waitFor('stdout', 'GATT setup keeps failing (4 times)', 0, 40_000);
      cli.child.kill('SIGTERM');
      expect(await cli.exit(15_000)).toBe(0);
      const cause = 'no Write Response to the CCCD write of 6e400003b5a3f393e0a9e50e24dcca9e in 2000 ms (refused with an ATT error, or lost)';
      const states = lines(cli.out.stdout).filter((r) => r.type === 'state' && r.device === peer.address);
      expect(states.filter((r) => r.state === 'backoff').map((r) => r.reason)).toEqual([
        `GATT setup failed: ${cause}`,
        `GATT setup failed: ${cause}`,
        `GATT setup keeps failing (3 times): ${cause}`,
        `GATT setup keeps failing (4 times): ${cause}`,
      ]);
      // From the third failure on, every state event carries the fault, the retry's own steps too.
      const from = (times: number): number => states.findIndex((r) => r.reason === `GATT setup keeps failing (${times} times): ${cause}`);
      expect(states.slice(0, from(3)).map((r) => r.fault)).toEqual(Array(from(3)).fill(null));
      const stuck = states.slice(from(3), from(4) + 1);
      expect(stuck.map((r) => r.state)).toEqual(['backoff', 'queued', 'connecting', 'discovering', 'backoff']);
      expect(stuck.map((r) => r.fault)).toEqual([3, 3, 3, 3, 4].map((n) => `GATT setup keeps failing (${n} times): ${cause}`));
      expect(lines(cli.out.stdout).some((r) => r.type === 'status' && (r.devices as { fault: string | null }[])[0]?.fault === `GATT setup keeps failing (3 times): ${cause}`)).toBe(true);
      // Each attempt wrote the CCCD with one Write Request, refused with an Error Response (Write Not Permitted).
      const cccd = Buffer.from([peer.layout.cccd! & 0xff, peer.layout.cccd! >> 8]).toString('hex');
      const writes = peer.received.filter((h) => h.startsWith('12'));
      expect(writes.length).toBeGreaterThanOrEqual(4);
      expect(new Set(writes)).toEqual(new Set([`12${cccd}0100`]));
      expect(peer.wire.filter((w) => w.dir === 'out' && w.hex.startsWith('0112')).map((w) => w.hex)).toEqual(Array(writes.length).fill(`0112${cccd}03`));
      // The log's state change rows say it too.
      const db = new Database(path.join(dir(), 'log.sqlite'), sqliteOptions({ readonly: true }));
      try {
        const rows = db.prepare('SELECT state, reason FROM events WHERE device = ? ORDER BY t').all(peer.address) as { state: string; reason: string }[];
        expect(rows.filter((r) => r.reason.startsWith('GATT setup keeps failing'))).toEqual([
          { state: 'backoff', reason: `GATT setup keeps failing (3 times): ${cause}` },
          { state: 'backoff', reason: `GATT setup keeps failing (4 times): ${cause}` },
        ]);
      } finally {
        db.close();
      }
    } finally {
      peer.close();
      await radio.close();
    }
  }, 60_000);

  // noble's HCI bindings add a SIGINT listener when they start, after the hub's own, that calls
  // process.exit(1) when it is the last one: Ctrl-C ended the hub with code 1 and no summary.
  it.each([
    ['Ctrl-C (SIGINT)', (cli: Cli) => cli.signal('SIGINT')],
    ['SIGHUP', (cli: Cli) => cli.signal('SIGHUP')],
    ['the end of its parent’s pipe on standard input', (cli: Cli) => cli.child.stdin.end()],
  ])('%s on a hub with a UART adapter stops it cleanly: exit code 0 and the summary', async (_how, stop) => {
    const radio = new Radio();
    const port = path.join(dir(), 'dongle');
    radio.addNode({ name: 'dongle' });
    radio.attachPty('dongle', port);
    try {
      const cli = picolink('hub', '--hci', `uart:${port}`, '--json', '--home', dir());
      await cli.waitFor('stdout', '"state":"poweredOn"', 0, 30_000);
      // A status line comes from the hub's own loop, so its handlers are in place by now.
      await cli.waitFor('stdout', '"type":"status"', 0, 5_000);
      stop(cli);
      expect(await cli.exit(15_000)).toBe(0);
      expect(lines(cli.out.stdout).some((r) => r.type === 'summary')).toBe(true);
    } finally {
      await radio.close();
    }
  }, 60_000);

  it('says clearly when a serial adapter is not there', async () => {
    const cli = picolink('hub', '--hci', `uart:${path.join(dir(), 'ttyNone')}`, '--home', dir());
    expect(await cli.exit()).toBe(1);
    expect(cli.out.stderr).toMatch(/error: the serial port .*ttyNone does not exist/);
    // A --json reader gets the code and its data, not only the words.
    const json = picolink('hub', '--hci', `uart:${path.join(dir(), 'ttyNone')}`, '--json', '--home', dir());
    expect(await json.exit()).toBe(1);
    expect(lines(json.out.stdout)).toEqual([expect.objectContaining({ type: 'error', code: 'port-missing', hint: { port: path.join(dir(), 'ttyNone') } })]);
  });
});
