// `picolink install` flags: one PORT, a role the firmware knows, the rest passed on as given.
import { describe, expect, it } from 'vitest';
import { parseInstallArgs } from '../../src-main/cli/install-command.ts';
import { UsageError } from '../../src-main/cli/usage.ts';

describe('parseInstallArgs', () => {
  it('takes the port and the board configuration', () => {
    expect(parseInstallArgs(['/dev/ttyACM0', '--name', 'shed', '--role', 'central', '--peer', 'kitchen', '--app', 'hello'])).toEqual({
      port: '/dev/ttyACM0',
      config: { name: 'shed', role: 'central', peer: 'kitchen', app: 'hello' },
    });
    expect(parseInstallArgs(['COM3'])).toEqual({ port: 'COM3', config: { name: 'picolink', role: 'peripheral' } });
    expect(parseInstallArgs(['--help'])).toBe('help');
  });

  it.each([
    [[], 'no PORT given'],
    [['a', 'b'], 'one PORT only (got a b)'],
    [['p', '--role', 'hub'], '--role takes central or peripheral, not "hub"'],
    [['p', '--firmware', '/no/such/folder'], 'firmware folder /no/such/folder does not exist'],
    [['p', '--bogus'], "Unknown option '--bogus'"],
  ])('refuses %j: %s', (argv, message) => {
    expect(() => parseInstallArgs(argv)).toThrow(UsageError);
    expect(() => parseInstallArgs(argv)).toThrow(message);
  });
});
