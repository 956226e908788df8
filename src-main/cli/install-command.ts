// `picolink install PORT` and `picolink boards`: PicoLink onto a MicroPython board over its USB
// serial REPL, and the serial ports that are MicroPython boards. Progress and errors on stderr.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { UsbError } from '../usb/errors.ts';
import { InstallConfigError, installPicoLink, type InstallConfig, type InstallProgress } from '../usb/installer.ts';
import { listUsbBoards } from '../usb/listing.ts';
import { stopSignals } from './stop-requests.ts';
import { BOARDS_USAGE, INSTALL_USAGE, UsageError } from './usage.ts';

/** Exit codes: 0 done, 1 the board or port failed, 2 wrong usage, 130 cancelled (as after SIGINT). */
const EXIT_FAILED = 1;
const EXIT_CANCELLED = 130;

export interface InstallArgs {
  port: string;
  config: InstallConfig;
  firmwareDir?: string;
}

export function parseInstallArgs(argv: string[]): InstallArgs | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        name: { type: 'string' },
        role: { type: 'string' },
        peer: { type: 'string' },
        app: { type: 'string' },
        firmware: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  if (v.help) return 'help';
  if (parsed.positionals.length !== 1) throw new UsageError(parsed.positionals.length === 0 ? 'no PORT given' : `one PORT only (got ${parsed.positionals.join(' ')})`);
  const role = v.role ?? 'peripheral';
  if (role !== 'central' && role !== 'peripheral') throw new UsageError(`--role takes central or peripheral, not ${JSON.stringify(role)}`);
  const firmwareDir = v.firmware === undefined ? undefined : path.resolve(v.firmware);
  if (firmwareDir !== undefined && !existsSync(firmwareDir)) throw new UsageError(`firmware folder ${firmwareDir} does not exist`);
  return {
    port: parsed.positionals[0]!,
    config: {
      name: v.name ?? 'picolink',
      role,
      ...(v.peer !== undefined ? { peer: v.peer } : {}),
      ...(v.app !== undefined ? { app: v.app } : {}),
    },
    ...(firmwareDir ? { firmwareDir } : {}),
  };
}

function progressLine(p: InstallProgress): string {
  const pct = p.total ? Math.floor((100 * p.done) / p.total) : 0;
  switch (p.phase) {
    case 'probe':
      return 'probing the board';
    case 'copy':
    case 'config':
      return `${String(pct).padStart(3)}%  ${p.done}/${p.total} bytes  ${p.file ?? ''}`;
    case 'rename':
      return 'putting the files in place';
    case 'reset':
      return 'soft-resetting the board';
    case 'done':
      return 'done';
  }
}

function printError(e: unknown): number {
  if (e instanceof UsbError) {
    console.error(`error: ${e.message}`);
    if (e.hint) console.error(e.hint);
    return e.code === 'cancelled' ? EXIT_CANCELLED : EXIT_FAILED;
  }
  if (e instanceof InstallConfigError) {
    for (const p of e.problems) console.error(`error: ${p}`);
    return 2;
  }
  console.error(`error: ${(e as Error).message}`);
  return EXIT_FAILED;
}

export async function runInstall(argv: string[]): Promise<number> {
  const args = parseInstallArgs(argv);
  if (args === 'help') {
    console.log(INSTALL_USAGE);
    return 0;
  }
  const abort = new AbortController();
  const signals = stopSignals();
  signals.handle(() => abort.abort());
  let last = '';
  try {
    const r = await installPicoLink(args.port, args.config, {
      signal: abort.signal,
      ...(args.firmwareDir ? { firmwareDir: args.firmwareDir } : {}),
      onProgress: (p) => {
        const line = progressLine(p);
        // One line per file and phase: a terminal or a log reads the same.
        const key = `${p.phase} ${p.file ?? ''}`;
        if (key !== last || p.done === p.total) console.error(line);
        last = key;
      },
    });
    console.log(`installed PicoLink ${r.version} on ${args.port} as ${JSON.stringify(args.config.name)} (${args.config.role}): ${r.files} files, ${r.bytes} bytes`);
    return 0;
  } catch (e) {
    return printError(e);
  } finally {
    signals.remove();
  }
}

export async function runBoards(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, strict: true, allowPositionals: true, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (parsed.values.help) {
    console.log(BOARDS_USAGE);
    return 0;
  }
  const abort = new AbortController();
  const signals = stopSignals();
  signals.handle(() => abort.abort());
  try {
    const boards = await listUsbBoards({ extraPaths: parsed.positionals, signal: abort.signal });
    if (parsed.values.json) {
      for (const b of boards) console.log(JSON.stringify(b));
    } else if (boards.length === 0) {
      console.log('no MicroPython board found (USB 2E8A:0005); give a port path to probe another');
    } else {
      for (const b of boards) {
        const what = b.micropython
          ? `MicroPython ${b.micropython.version} on ${b.micropython.machine}; ${b.picolink ? `PicoLink ${b.picolink.version}` : 'no PicoLink'}`
          : `${b.error?.code ?? 'unknown'}: ${b.error?.message ?? ''}`;
        console.log(`${b.path}${b.label ? ` (${b.label})` : ''}  ${what}`);
      }
    }
    return boards.some((b) => b.error) ? EXIT_FAILED : 0;
  } finally {
    signals.remove();
  }
}
