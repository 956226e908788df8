// The radio's control language, typed on the CLI's standard input. Parsing is pure so that
// every command and every mistake is testable without a terminal.

export type ControlCommand =
  | { kind: 'help' }
  | { kind: 'nodes' }
  | { kind: 'add'; name: string; path: string }
  | { kind: 'remove'; name: string }
  | { kind: 'power'; name: string; on: boolean }
  | { kind: 'move'; name: string; x: number; y: number }
  | { kind: 'per'; a: string; b: string; rate: number }
  | { kind: 'drop'; a: string; b: string }
  | { kind: 'quit' };

export const CONTROL_HELP = `Commands:
  nodes                 list nodes: address, position, power, connections
  add NAME PATH         add a node with a pty at PATH
  remove NAME           remove a node (its connections time out at the peers)
  power NAME on|off     power a node's controller on or off
  move NAME X Y         move a node to (X, Y) metres; RSSI follows
  per A B RATE          packet error rate (0..1) on connections between A and B
  drop A B              drop the connections between A and B (they time out)
  quit                  stop the radio`;

export type ParseResult = { ok: true; command: ControlCommand } | { ok: false; error: string } | { ok: true; command: null };

function num(text: string | undefined, what: string): number {
  const v = text !== undefined && /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(v)) throw new Error(`${what} must be a number, got ${JSON.stringify(text ?? '')}`);
  return v;
}

export function parseControl(line: string): ParseResult {
  const words = line.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return { ok: true, command: null };
  const [verb, ...args] = words;
  const arity = (n: number, form: string): void => {
    if (args.length !== n) throw new Error(`usage: ${form}`);
  };
  try {
    switch (verb) {
      case 'help':
      case '?':
        return { ok: true, command: { kind: 'help' } };
      case 'nodes':
      case 'status':
        return { ok: true, command: { kind: 'nodes' } };
      case 'add':
        arity(2, 'add NAME PATH');
        return { ok: true, command: { kind: 'add', name: args[0]!, path: args[1]! } };
      case 'remove':
        arity(1, 'remove NAME');
        return { ok: true, command: { kind: 'remove', name: args[0]! } };
      case 'power': {
        arity(2, 'power NAME on|off');
        if (args[1] !== 'on' && args[1] !== 'off') throw new Error('usage: power NAME on|off');
        return { ok: true, command: { kind: 'power', name: args[0]!, on: args[1] === 'on' } };
      }
      case 'move':
        arity(3, 'move NAME X Y');
        return { ok: true, command: { kind: 'move', name: args[0]!, x: num(args[1], 'X'), y: num(args[2], 'Y') } };
      case 'per': {
        arity(3, 'per A B RATE');
        const rate = num(args[2], 'RATE');
        if (rate < 0 || rate > 1) throw new Error('RATE must be between 0 and 1');
        return { ok: true, command: { kind: 'per', a: args[0]!, b: args[1]!, rate } };
      }
      case 'drop':
        arity(2, 'drop A B');
        return { ok: true, command: { kind: 'drop', a: args[0]!, b: args[1]! } };
      case 'quit':
      case 'exit':
        return { ok: true, command: { kind: 'quit' } };
      default:
        return { ok: false, error: `unknown command ${JSON.stringify(verb)}; type 'help'` };
    }
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}
