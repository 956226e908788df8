// Where PicoLink keeps its files (paired devices, the log database), per platform convention.
// Pure: env, platform and home are parameters so tests and the CLI can point elsewhere.
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The app data folder: PICOLINK_HOME if set; else Linux `$XDG_DATA_HOME/picolink` or
 * `~/.local/share/picolink`, macOS `~/Library/Application Support/PicoLink`, Windows
 * `%APPDATA%\PicoLink`. Creates nothing (see ensureDir).
 */
export function appDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string {
  // Paths are built with the target platform's rules, so a Windows answer computed on Linux
  // (in tests) still has backslashes.
  const p = platform === 'win32' ? path.win32 : path.posix;
  if (env.PICOLINK_HOME) return p.resolve(env.PICOLINK_HOME);
  switch (platform) {
    case 'win32':
      return p.join(env.APPDATA || p.join(home, 'AppData', 'Roaming'), 'PicoLink');
    case 'darwin':
      return p.join(home, 'Library', 'Application Support', 'PicoLink');
    default: {
      // The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
      const xdg = env.XDG_DATA_HOME;
      return p.join(xdg && p.isAbsolute(xdg) ? xdg : p.join(home, '.local', 'share'), 'picolink');
    }
  }
}

/** Creates `dir` (and parents) if missing; returns it. */
export function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}
