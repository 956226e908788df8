// The shell's own command-line options. Electron adds switches of its own (and Chromium's) to
// argv, so unknown arguments are ignored rather than refused.

export interface ShellArgs {
  /** `--sim N` / `--sim=N`: start on the simulator with N Picos (this run only). */
  sim: number | null;
  /** `--dev`: View menu gets reload and developer tools. */
  dev: boolean;
}

export class ShellArgsError extends Error {}

export function parseShellArgs(argv: readonly string[]): ShellArgs {
  let sim: number | null = null;
  let dev = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--dev') dev = true;
    else if (a === '--sim' || a.startsWith('--sim=')) {
      const value = a === '--sim' ? argv[++i] : a.slice('--sim='.length);
      const n = /^\d{1,2}$/.test(value ?? '') ? Number(value) : NaN;
      if (!(n >= 1 && n <= 64)) throw new ShellArgsError(`--sim takes a number of Picos from 1 to 64, as in --sim 4 (got ${value ?? 'nothing'})`);
      sim = n;
    }
  }
  return { sim, dev };
}
