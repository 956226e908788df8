import { describe, expect, it } from 'vitest';
import { parseHubArgs, type HubArgs } from '../../src-main/cli/hub-args.ts';
import { parseAdapterSpec } from '../../src-main/hub/adapter/adapter-spec.ts';
import { adapterStatus, type HostInfo } from '../../src-main/hub/adapter/adapter-state.ts';
import { adapterAdvice } from '../../src-main/cli/adapter-advice.ts';
import { UsageError } from '../../src-main/cli/usage.ts';

const parse = (...argv: string[]): HubArgs => {
  const r = parseHubArgs(argv);
  if (r === 'help') throw new Error('help');
  return r;
};

describe('hub flags', () => {
  it('reads every flag', () => {
    const a = parse('--sim', '8', '--hci', 'hci:1', '--hci', 'uart:/dev/ttyACM0@1000000', '--pair', 'pico1', '--pair', 'AA:BB:CC:DD:EE:FF', '--ping-hz', '20', '--duration', '60', '--export', 'out.csv', '--json');
    expect(a.sim).toBe(8);
    expect(a.adapters).toEqual([
      { kind: 'hci', deviceId: 1 },
      { kind: 'uart', port: '/dev/ttyACM0', baudRate: 1000000 },
    ]);
    expect(a.pair).toEqual(['pico1', 'AA:BB:CC:DD:EE:FF']);
    expect(a.pingHz).toBe(20);
    expect(a.durationS).toBe(60);
    expect(a.exportFormat).toBe('csv');
    expect(a.json).toBe(true);
    expect(parse('--export', 'x.ndjson').exportFormat).toBe('ndjson');
    expect(parse().pingHz).toBe(10);
    expect(parseHubArgs(['-h'])).toBe('help');
  });

  it('takes log retention for this run, or leaves it to the settings', () => {
    expect(parse('--keep-days', '30', '--keep-gb', '0.5')).toMatchObject({ keepDays: 30, keepGb: 0.5 });
    expect(parse()).toMatchObject({ keepDays: null, keepGb: null });
  });

  it.each([
    [['--bogus'], /Unknown option/],
    [['--sim'], /argument missing/],
    [['--sim', '0'], /--sim takes a whole number from 1 to 64/],
    [['--sim', '4x'], /--sim/],
    [['--ping-hz', '500'], /--ping-hz takes a number from 0 to 100/],
    [['--duration', '-1'], /--duration/],
    [['--export', 'out.xlsx'], /must end in .csv, .ndjson or .jsonl/],
    [['--export', '/no/such/dir/out.csv'], /does not exist/],
    [['--keep-days', '0'], /--keep-days takes a whole number from 1 to 36500/],
    [['--keep-gb', 'lots'], /--keep-gb takes a number from 0.1 to 10000/],
    [['--hci', 'bluetooth0'], /is not an adapter/],
    [['--hci', 'uart:'], /uart takes a serial port/],
    [['--pair', ' '], /--pair takes/],
    [['--firmware', '.'], /add --sim/],
    [['stray'], /Unexpected argument/],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseHubArgs(argv)).toThrow(UsageError);
    expect(() => parseHubArgs(argv)).toThrow(message);
  });
});

describe('adapters', () => {
  it('parses each kind of adapter spec', () => {
    expect(parseAdapterSpec('default')).toEqual({ kind: 'default' });
    expect(parseAdapterSpec('hci:0')).toEqual({ kind: 'hci', deviceId: 0 });
    expect(parseAdapterSpec('uart:COM3')).toEqual({ kind: 'uart', port: 'COM3' });
    expect(parseAdapterSpec('dbus:hci1')).toEqual({ kind: 'dbus', adapter: 'hci1' });
    expect(() => parseAdapterSpec('dbus:foo')).toThrow(/dbus takes/);
  });

  it('says what to do for each adapter state', () => {
    const linux: HostInfo = { platform: 'linux', execPath: '/usr/bin/node' };
    const darwin: HostInfo = { platform: 'darwin', execPath: '/usr/local/bin/node' };
    const os = { kind: 'os' } as const;
    expect(adapterAdvice('hci0', adapterStatus('unauthorized', os, linux))).toMatch(/setcap cap_net_raw,cap_net_admin/);
    expect(adapterAdvice('hci0', adapterStatus('poweredOff', os, linux))).toMatch(/rfkill unblock/);
    expect(adapterAdvice('hci0', adapterStatus('unsupported', os, darwin))).toMatch(/--sim/);
    expect(adapterAdvice('system adapter', adapterStatus('unauthorized', os, darwin))).toMatch(/Privacy & Security/);
  });
});
