import { describe, expect, it } from 'vitest';
import { parseRadioArgs } from '../../src-main/cli/radio-command.ts';
import { UsageError } from '../../src-main/cli/usage.ts';

/** The UsageError that `argv` must raise. */
function usageErrorOf(argv: string[]): UsageError {
  try {
    parseRadioArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) return e;
    throw e;
  }
  throw new Error(`expected ${JSON.stringify(argv)} to be rejected`);
}

describe('parseRadioArgs: accepted', () => {
  it('one --hci-pty, every other option at its default', () => {
    expect(parseRadioArgs(['--hci-pty', '/tmp/a'])).toEqual({ ptys: ['/tmp/a'], disallowConnectWhileScanning: false });
  });

  it('keeps repeated --hci-pty in order', () => {
    const args = parseRadioArgs(['--hci-pty', '/tmp/b', '--hci-pty=/tmp/a', '--hci-pty', '/tmp/c']);
    expect(args).toMatchObject({ ptys: ['/tmp/b', '/tmp/a', '/tmp/c'] });
  });

  it('every option together', () => {
    const args = parseRadioArgs(['--hci-pty', '/tmp/a', '--btsnoop', '/tmp/cap.btsnoop', '--max-connections', '3', '--no-connect-while-scanning']);
    expect(args).toEqual({ ptys: ['/tmp/a'], btsnoop: '/tmp/cap.btsnoop', maxConnections: 3, disallowConnectWhileScanning: true });
  });

  it('leaves btsnoop and maxConnections out when not given', () => {
    const args = parseRadioArgs(['--hci-pty', '/tmp/a']);
    if (args === 'help') throw new Error('unexpected help');
    expect('btsnoop' in args).toBe(false);
    expect('maxConnections' in args).toBe(false);
  });

  it.each(['1', '7', '64'])('--max-connections %s is in range', (n) => {
    expect(parseRadioArgs(['--hci-pty', '/tmp/a', '--max-connections', n])).toMatchObject({ maxConnections: Number(n) });
  });
});

describe('parseRadioArgs: help', () => {
  it.each([[['--help']], [['-h']], [['--hci-pty', '/tmp/a', '--help']], [['--help', '--max-connections', '0']]])('%j -> help', (argv) => {
    expect(parseRadioArgs(argv)).toBe('help');
  });

  it('an unknown option is an error even beside --help', () => {
    expect(usageErrorOf(['--help', '--bogus'])).toBeInstanceOf(UsageError);
  });
});

describe('parseRadioArgs: rejected', () => {
  it('no --hci-pty at all', () => {
    expect(usageErrorOf([]).message).toBe('at least one --hci-pty PATH is required');
    expect(usageErrorOf(['--btsnoop', '/tmp/cap']).message).toBe('at least one --hci-pty PATH is required');
  });

  it('the same --hci-pty twice', () => {
    expect(usageErrorOf(['--hci-pty', '/tmp/a', '--hci-pty', '/tmp/a']).message).toBe('each --hci-pty PATH must be different');
  });

  // The `=` form, so parseArgs hands '-1' and '' over as values rather than as options.
  it.each(['0', '65', '-1', '2.5', 'seven', '', 'NaN', 'Infinity'])('--max-connections=%s', (n) => {
    expect(usageErrorOf(['--hci-pty', '/tmp/a', `--max-connections=${n}`]).message).toBe('--max-connections takes a whole number from 1 to 64');
  });

  it('an unknown option, named in the message', () => {
    const e = usageErrorOf(['--hci-pty', '/tmp/a', '--bogus']);
    expect(e.name).toBe('UsageError');
    expect(e.message).toContain('--bogus');
  });

  it('an option missing its value', () => {
    expect(usageErrorOf(['--hci-pty']).message).toContain('--hci-pty');
    expect(usageErrorOf(['--hci-pty', '/tmp/a', '--max-connections']).message).toContain('--max-connections');
  });

  it('a value given to a flag', () => {
    expect(usageErrorOf(['--hci-pty', '/tmp/a', '--no-connect-while-scanning=yes']).message).toContain('--no-connect-while-scanning');
  });

  it('a positional argument', () => {
    expect(usageErrorOf(['--hci-pty', '/tmp/a', 'extra']).message).toContain('extra');
  });
});
