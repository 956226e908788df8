// `picolink radio`: the virtual radio with pty endpoints, controlled from standard input.
import { createInterface } from 'node:readline';
import { formatAddress } from '../hci/address.ts';
import { Radio } from '../radio/radio.ts';
import { CONTROL_HELP, parseControl, type ControlCommand } from './radio-control.ts';
import { boundStop, stdinIsPipe, stopSignals, type StopReason } from './stop-requests.ts';
import { RADIO_USAGE, parseFlags, UsageError } from './usage.ts';

export interface RadioArgs {
  ptys: string[];
  btsnoop?: string;
  maxConnections?: number;
  disallowConnectWhileScanning: boolean;
}

export function parseRadioArgs(argv: string[]): RadioArgs | 'help' {
  const v = parseFlags(argv, {
    'hci-pty': { type: 'string', multiple: true },
    btsnoop: { type: 'string' },
    'max-connections': { type: 'string' },
    'no-connect-while-scanning': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (v.help) return 'help';
  const ptys = v['hci-pty'] ?? [];
  if (ptys.length === 0) throw new UsageError('at least one --hci-pty PATH is required');
  if (new Set(ptys).size !== ptys.length) throw new UsageError('each --hci-pty PATH must be different');
  let maxConnections: number | undefined;
  if (v['max-connections'] !== undefined) {
    maxConnections = /^\d+$/.test(v['max-connections']) ? Number(v['max-connections']) : NaN;
    if (!Number.isInteger(maxConnections) || maxConnections < 1 || maxConnections > 64) {
      throw new UsageError('--max-connections takes a whole number from 1 to 64');
    }
  }
  return {
    ptys,
    ...(v.btsnoop !== undefined ? { btsnoop: v.btsnoop } : {}),
    ...(maxConnections !== undefined ? { maxConnections } : {}),
    disallowConnectWhileScanning: v['no-connect-while-scanning'] ?? false,
  };
}

export async function runRadio(argv: string[]): Promise<number> {
  const args = parseRadioArgs(argv);
  if (args === 'help') {
    console.log(RADIO_USAGE);
    return 0;
  }
  const signals = stopSignals();
  const radio = new Radio(args.btsnoop !== undefined ? { btsnoop: args.btsnoop } : {});
  radio.on('error', (e) => console.error(`warning: ${e.node}: ${e.message}`));
  const limits = {
    ...(args.maxConnections !== undefined ? { maxConnections: args.maxConnections } : {}),
    disallowConnectWhileScanning: args.disallowConnectWhileScanning,
  };
  const addNode = (path: string, name?: string): void => {
    const node = radio.addNode({ ...limits, ...(name ? { name } : {}) });
    try {
      radio.attachPty(node.name, path);
    } catch (e) {
      radio.removeNode(node.name);
      throw e;
    }
    const snoop = node.btsnoopPath ? `  btsnoop ${node.btsnoopPath}` : '';
    console.log(`${node.name}: open ${path}  (BD_ADDR ${node.controller.options.address})${snoop}`);
  };
  try {
    for (const p of args.ptys) addNode(p);
  } catch (e) {
    signals.remove();
    await radio.close();
    console.error(`error: ${(e as Error).message}`);
    return 1;
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (reason: StopReason | 'quit'): void => {
      if (stopping) return;
      stopping = true;
      signals.remove();
      boundStop('the radio');
      rl?.close();
      // readline's close leaves stdin open (and the process alive) when called from its own handler.
      process.stdin.destroy();
      const dropped = radio.list().filter((n) => (n.backlog?.().droppedPackets ?? 0) > 0);
      for (const n of dropped) console.error(`warning: ${n.name}: ${n.backlog!().droppedPackets} packet(s) dropped because its host did not read`);
      // The captures' tails are written before the process may end.
      void radio.close().then(() => {
        console.log(`radio stopped${reason === 'quit' ? '' : ` (${reason})`}`);
        resolve(0);
      });
    };
    const fromParent = stdinIsPipe();
    const rl = process.stdin.isTTY || !process.stdin.readableEnded ? createInterface({ input: process.stdin }) : null;
    rl?.on('close', () => {
      if (fromParent) stop('end of standard input');
    });
    rl?.on('line', (line) => {
      const parsed = parseControl(line);
      if (!parsed.ok) return console.error(`error: ${parsed.error}`);
      if (parsed.command === null) return;
      if (parsed.command.kind === 'quit') return stop('quit');
      try {
        console.log(execute(radio, parsed.command, addNode));
      } catch (e) {
        console.error(`error: ${(e as Error).message}`);
      }
    });
    console.log(`radio running with ${args.ptys.length} node(s); type 'help' for commands, Ctrl-C to stop`);
    signals.handle(stop);
  });
}

function execute(radio: Radio, c: Exclude<ControlCommand, { kind: 'quit' }>, addNode: (path: string, name: string) => void): string {
  switch (c.kind) {
    case 'help':
      return CONTROL_HELP;
    case 'nodes':
      return radio
        .list()
        .map((n) => {
          const ctl = n.controller;
          const where = `(${ctl.position.x}, ${ctl.position.y})`;
          const dropped = n.backlog?.().droppedPackets ?? 0;
          return `${n.name}  ${formatAddress(ctl.publicAddress)}  at ${where}  ${ctl.isPowered ? 'on' : 'off'}  ${ctl.connectionCount} connection(s)  ${n.ptyPath ?? ''}${dropped ? `  dropped ${dropped}` : ''}`;
        })
        .join('\n');
    case 'add':
      addNode(c.path, c.name);
      return `added ${c.name}`;
    case 'remove':
      radio.removeNode(c.name);
      return `removed ${c.name}`;
    case 'power':
      radio.power(c.name, c.on);
      return `${c.name} powered ${c.on ? 'on' : 'off'}`;
    case 'move':
      radio.move(c.name, { x: c.x, y: c.y });
      return `${c.name} moved to (${c.x}, ${c.y})`;
    case 'per':
      radio.setPacketErrorRate(c.a, c.b, c.rate);
      return `packet error rate ${c.a} <-> ${c.b}: ${c.rate}`;
    case 'drop':
      return `${radio.dropConnections(c.a, c.b)} connection(s) between ${c.a} and ${c.b} dropped`;
  }
}
