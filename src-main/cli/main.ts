// `picolink <command>`: dispatches to a subcommand; wrong usage prints help and exits 2.
import { runRadio } from './radio-command.ts';
import { runSim } from './sim-command.ts';
import { BOARDS_USAGE, HUB_USAGE, INSTALL_USAGE, MAIN_USAGE, RADIO_USAGE, SIM_USAGE, UsageError } from './usage.ts';

const COMMANDS: Record<string, { run(argv: string[]): Promise<number>; usage: string }> = {
  // Loaded on use: it brings the database and noble's bindings, which the other commands do not need.
  hub: { run: async (argv) => (await import('./hub-command.ts')).runHub(argv), usage: HUB_USAGE },
  // Loaded on use: serialport's native bindings.
  install: { run: async (argv) => (await import('./install-command.ts')).runInstall(argv), usage: INSTALL_USAGE },
  boards: { run: async (argv) => (await import('./install-command.ts')).runBoards(argv), usage: BOARDS_USAGE },
  radio: { run: runRadio, usage: RADIO_USAGE },
  sim: { run: runSim, usage: SIM_USAGE },
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    console.log(MAIN_USAGE);
    return 0;
  }
  const command = name === undefined ? undefined : COMMANDS[name];
  if (!command) {
    console.error(name === undefined ? 'error: no command given' : `error: unknown command ${JSON.stringify(name)}`);
    console.error(MAIN_USAGE);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`error: ${e.message}`);
      console.error(command.usage);
      return 2;
    }
    throw e;
  }
}
