// A board's filesystem kept in a folder of the host (one per board, named by the user), so files
// written over the board's USB REPL survive soft resets, power cycles and runs of the simulator.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readFirmware } from './firmware-files.ts';

/** The folder's files, or null when it does not exist or is empty (a board never started). */
export function readBoardFolder(dir: string): Record<string, Uint8Array> | null {
  if (!existsSync(dir) || readdirSync(dir).length === 0) return null;
  return readFirmware(dir);
}

/**
 * Makes the folder hold exactly `files`: writes those that changed since `previous` (what the
 * folder held), removes those gone. Returns the new content, the `previous` of the next call.
 */
export function mirrorBoardFolder(
  dir: string,
  files: Record<string, Uint8Array>,
  previous: Record<string, Uint8Array>,
): Record<string, Uint8Array> {
  mkdirSync(dir, { recursive: true });
  for (const [rel, body] of Object.entries(files)) {
    const old = previous[rel];
    if (old && Buffer.from(old).equals(body)) continue;
    const file = path.join(dir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, body);
  }
  for (const rel of Object.keys(previous)) if (!(rel in files)) rmSync(path.join(dir, rel), { force: true });
  return { ...files };
}
