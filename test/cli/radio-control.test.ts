import { describe, expect, it } from 'vitest';
import { CONTROL_HELP, parseControl, type ControlCommand } from '../../src-main/cli/radio-control.ts';

const ok = (command: ControlCommand | null) => ({ ok: true, command });

/** The error text of a line that must not parse. */
function errorOf(line: string): string {
  const r = parseControl(line);
  if (r.ok) throw new Error(`expected ${JSON.stringify(line)} to fail, got ${JSON.stringify(r.command)}`);
  return r.error;
}

describe('parseControl: commands', () => {
  it.each([
    ['help', { kind: 'help' }],
    ['?', { kind: 'help' }],
    ['nodes', { kind: 'nodes' }],
    ['status', { kind: 'nodes' }],
    ['quit', { kind: 'quit' }],
    ['exit', { kind: 'quit' }],
    ['add hci2 /tmp/pl-2', { kind: 'add', name: 'hci2', path: '/tmp/pl-2' }],
    ['remove hci1', { kind: 'remove', name: 'hci1' }],
    ['power hci0 on', { kind: 'power', name: 'hci0', on: true }],
    ['power hci0 off', { kind: 'power', name: 'hci0', on: false }],
    ['move hci1 5 -2.5', { kind: 'move', name: 'hci1', x: 5, y: -2.5 }],
    ['per hci0 hci1 0.1', { kind: 'per', a: 'hci0', b: 'hci1', rate: 0.1 }],
    ['drop hci0 hci1', { kind: 'drop', a: 'hci0', b: 'hci1' }],
  ] as const)('%j', (line, command) => {
    expect(parseControl(line)).toEqual(ok(command));
  });

  it('ignores surrounding and repeated whitespace, tabs included', () => {
    expect(parseControl('  move\thci1   3    4  ')).toEqual(ok({ kind: 'move', name: 'hci1', x: 3, y: 4 }));
  });

  it.each(['', '   ', '\t \t'])('a blank line %j is no command', (line) => {
    expect(parseControl(line)).toEqual(ok(null));
  });

  it('accepts both ends of the RATE range', () => {
    expect(parseControl('per a b 0')).toEqual(ok({ kind: 'per', a: 'a', b: 'b', rate: 0 }));
    expect(parseControl('per a b 1')).toEqual(ok({ kind: 'per', a: 'a', b: 'b', rate: 1 }));
  });

  it('the help text lists every verb', () => {
    for (const verb of ['nodes', 'add', 'remove', 'power', 'move', 'per', 'drop', 'quit']) {
      expect(CONTROL_HELP).toMatch(new RegExp(`^  ${verb}\\b`, 'm'));
    }
  });
});

describe('parseControl: arity', () => {
  it.each([
    ['add', 'usage: add NAME PATH'],
    ['add hci2', 'usage: add NAME PATH'],
    ['add hci2 /tmp/x extra', 'usage: add NAME PATH'],
    ['remove', 'usage: remove NAME'],
    ['remove a b', 'usage: remove NAME'],
    ['power', 'usage: power NAME on|off'],
    ['power hci0', 'usage: power NAME on|off'],
    ['power hci0 on now', 'usage: power NAME on|off'],
    ['move hci0 1', 'usage: move NAME X Y'],
    ['move hci0 1 2 3', 'usage: move NAME X Y'],
    ['per a b', 'usage: per A B RATE'],
    ['per a b 0.1 0.2', 'usage: per A B RATE'],
    ['drop a', 'usage: drop A B'],
    ['drop a b c', 'usage: drop A B'],
  ])('%j -> %j', (line, error) => {
    expect(errorOf(line)).toBe(error);
  });
});

describe('parseControl: values', () => {
  it.each([
    ['move hci0 left 2', 'X must be a number, got "left"'],
    ['move hci0 2 up', 'Y must be a number, got "up"'],
    ['move hci0 NaN 0', 'X must be a number, got "NaN"'],
    ['move hci0 0 Infinity', 'Y must be a number, got "Infinity"'],
    ['move hci0 1,5 0', 'X must be a number, got "1,5"'],
    ['per a b lots', 'RATE must be a number, got "lots"'],
  ])('%j -> %j', (line, error) => {
    expect(errorOf(line)).toBe(error);
  });

  it.each(['-0.01', '1.01', '2', '-1'])('RATE %s is outside 0..1', (rate) => {
    expect(errorOf(`per a b ${rate}`)).toBe('RATE must be between 0 and 1');
  });

  it.each(['ON', 'true', '1', 'of'])('power with %j is neither on nor off', (state) => {
    expect(errorOf(`power hci0 ${state}`)).toBe('usage: power NAME on|off');
  });
});

describe('parseControl: unknown verbs', () => {
  it.each(['bogus', 'NODES', 'Quit', 'hci0'])('%j is unknown and points at help', (verb) => {
    expect(errorOf(`${verb} x`)).toBe(`unknown command ${JSON.stringify(verb)}; type 'help'`);
  });
});

describe('numbers are plain decimals', () => {
  it.each(['0x10', '1e1', '+3', '.5', '1,5'])('rejects %j as a coordinate', (x) => {
    expect(parseControl(`move n ${x} 0`).ok).toBe(false);
  });
  it('accepts negative and fractional metres', () => {
    expect(parseControl('move n -2.5 3')).toEqual({ ok: true, command: { kind: 'move', name: 'n', x: -2.5, y: 3 } });
  });
});
