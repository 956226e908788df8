// `picolink sim`: N virtual Picos running a firmware folder, with an optional HCI endpoint on the
// same air for an external central (noble, a user's script, another tool).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Sim } from '../pico/sim.ts';
import { boardPackages } from '../sim/board-packages.ts';
import { resourcePaths } from '../resources/resource-paths.ts';
import { libFolder } from './lib-folder-arg.ts';
import { boundStop, stdinIsPipe, stopSignals, type StopReason } from './stop-requests.ts';
import { SIM_USAGE, parseFlags, UsageError } from './usage.ts';

export interface SimArgs {
  picos: number;
  firmware: string;
  hciPty?: string;
  replPtyDir?: string;
  heapBytes?: number;
  /** Folders holding the boards' frozen packages instead of the package index (--lib). */
  lib: string[];
  /** Boards start with an empty filesystem (--blank). */
  blank?: boolean;
}

export function parseSimArgs(argv: string[]): SimArgs | 'help' {
  const v = parseFlags(argv, {
    picos: { type: 'string' },
    firmware: { type: 'string' },
    'hci-pty': { type: 'string' },
    'repl-pty': { type: 'string' },
    heap: { type: 'string' },
    lib: { type: 'string', multiple: true },
    blank: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (v.help) return 'help';
  const picos = v.picos === undefined ? 1 : /^\d+$/.test(v.picos) ? Number(v.picos) : NaN;
  if (!Number.isInteger(picos) || picos < 1 || picos > 64) throw new UsageError('--picos takes a whole number from 1 to 64');
  const firmware = path.resolve(v.firmware ?? resourcePaths().firmwareDir);
  if (!existsSync(firmware)) throw new UsageError(`firmware folder ${firmware} does not exist`);
  let heapBytes: number | undefined;
  if (v.heap !== undefined) {
    heapBytes = /^\d+$/.test(v.heap) ? Number(v.heap) : NaN;
    if (!(heapBytes! >= 16 * 1024 && heapBytes! <= 8 * 1024 * 1024)) throw new UsageError('--heap takes bytes from 16384 to 8388608');
  }
  const lib = (v.lib ?? []).map(libFolder);
  const replPtyDir = v['repl-pty'];
  if (replPtyDir !== undefined && !existsSync(replPtyDir)) throw new UsageError(`--repl-pty folder ${replPtyDir} does not exist`);
  return {
    picos,
    firmware,
    lib,
    ...(v['hci-pty'] ? { hciPty: v['hci-pty'] } : {}),
    ...(replPtyDir ? { replPtyDir } : {}),
    ...(heapBytes ? { heapBytes } : {}),
    ...(v.blank ? { blank: true } : {}),
  };
}

export async function runSim(argv: string[]): Promise<number> {
  const args = parseSimArgs(argv);
  if (args === 'help') {
    console.log(SIM_USAGE);
    return 0;
  }
  const signals = stopSignals();
  // Once per run, not per board: every board gets the same frozen packages.
  let packages;
  try {
    packages = await boardPackages(args.lib, null);
  } catch (e) {
    signals.remove();
    console.error(`error: ${(e as Error).message}`);
    return 1;
  }
  if (packages.notice) console.error(`warning: ${packages.notice}`);
  const sim = new Sim({
    picos: args.picos,
    firmwareDir: args.firmware,
    frozen: packages.files,
    ...(args.heapBytes ? { heapBytes: args.heapBytes } : {}),
    ...(args.replPtyDir ? { replPtyDir: args.replPtyDir } : {}),
    ...(args.blank ? { blank: true } : {}),
  });
  for (const p of sim.picos) if (p.usbPath) console.log(`${p.name}: USB serial (REPL) at ${p.usbPath}`);
  sim.radio.on('error', (e) => console.error(`warning: ${e.node}: ${e.message}`));
  for (const p of sim.picos) {
    p.on('console', (line) => console.log(`[${p.name}] ${line}`));
    p.on('state', (s) => console.log(`[${p.name}] (${s})`));
  }
  if (args.hciPty) {
    try {
      const node = sim.radio.addNode({ name: 'central' });
      sim.radio.attachPty(node.name, args.hciPty);
      console.log(`central: open ${args.hciPty}  (BD_ADDR ${node.controller.options.address})`);
    } catch (e) {
      signals.remove();
      await sim.close();
      console.error(`error: ${(e as Error).message}`);
      return 1;
    }
  }
  await sim.start();
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (reason: StopReason | 'quit'): void => {
      if (stopping) return;
      stopping = true;
      signals.remove();
      boundStop('the sim');
      rl.close();
      process.stdin.destroy();
      void sim.close().then(() => {
        console.log(`sim stopped${reason === 'quit' ? '' : ` (${reason})`}`);
        resolve(0);
      });
    };
    const fromParent = stdinIsPipe();
    const rl = createInterface({ input: process.stdin });
    rl.on('close', () => {
      if (fromParent) stop('end of standard input');
    });
    rl.on('line', (line) => {
      const [verb, name, ...rest] = line.trim().split(/\s+/);
      if (!verb) return;
      const run = async (): Promise<string> => {
        switch (verb) {
          case 'help':
            return 'Commands: picos | power NAME on|off | reboot NAME | move NAME X Y | quit';
          case 'picos':
            return sim.picos.map((p) => `${p.name}  ${p.state}  LED ${p.led ? 'on' : 'off'}  ${p.node.controller.options.address}`).join('\n');
          case 'power':
            if (!name || (rest[0] !== 'on' && rest[0] !== 'off')) throw new Error('usage: power NAME on|off');
            if (rest[0] === 'on') await sim.get(name).powerOn();
            else await sim.get(name).powerOff();
            return `${name} powered ${rest[0]}`;
          case 'reboot':
            if (!name) throw new Error('usage: reboot NAME');
            await sim.get(name).reboot();
            return `${name} rebooted`;
          case 'move': {
            const [x, y] = rest.map((t) => (/^-?\d+(\.\d+)?$/.test(t) ? Number(t) : NaN));
            if (!name || !Number.isFinite(x) || !Number.isFinite(y)) throw new Error('usage: move NAME X Y');
            sim.get(name).move({ x: x!, y: y! });
            return `${name} moved to (${x}, ${y})`;
          }
          case 'quit':
          case 'exit':
            stop('quit');
            return '';
          default:
            throw new Error(`unknown command ${JSON.stringify(verb)}; type 'help'`);
        }
      };
      run().then(
        (msg) => msg && console.log(msg),
        (e: Error) => console.error(`error: ${e.message}`),
      );
    });
    console.log(`sim running ${args.picos} Pico(s) with ${args.firmware}; type 'help' for commands, Ctrl-C to stop`);
    signals.handle(stop);
  });
}
