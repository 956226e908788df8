// A board's filesystem kept in a folder of the host (one per board, named by the user), so files
// written over the board's USB REPL survive soft resets, power cycles and runs of the simulator.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readFirmware } from '../resources/firmware-folder.ts';

/**
 * The folder's files, and its empty folders as their path with a "/" (a board keeps those too),
 * or null when it does not exist or is empty (a board never started).
 */
export function readBoardFolder(dir: string): Record<string, Uint8Array> | null {
  if (!existsSync(dir) || readdirSync(dir).length === 0) return null;
  const files = readFirmware(dir);
  const walk = (rel: string): void => {
    const entries = readdirSync(path.join(dir, rel), { withFileTypes: true }).filter((e) => e.isDirectory());
    for (const e of entries) {
      const sub = rel ? `${rel}/${e.name}` : e.name;
      if (readdirSync(path.join(dir, sub)).length === 0) files[`${sub}/`] = new Uint8Array(0);
      else walk(sub);
    }
  };
  walk('');
  return files;
}

/**
 * Makes the folder hold exactly `files` (a path ending in "/" is an empty folder): writes those
 * that changed since `previous` (what the folder held), removes those gone. Returns the new
 * content, the `previous` of the next call.
 */
export function mirrorBoardFolder(
  dir: string,
  files: Record<string, Uint8Array>,
  previous: Record<string, Uint8Array>,
): Record<string, Uint8Array> {
  mkdirSync(dir, { recursive: true });
  for (const [rel, body] of Object.entries(files)) {
    if (rel.endsWith('/')) {
      mkdirSync(path.join(dir, rel), { recursive: true });
      continue;
    }
    const old = previous[rel];
    if (old && Buffer.from(old).equals(body)) continue;
    const file = path.join(dir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, body);
  }
  for (const rel of Object.keys(previous)) {
    if (rel in files) continue;
    const gone = path.join(dir, rel);
    // An empty folder that now holds files stays; one the board removed goes.
    if (rel.endsWith('/')) {
      if (existsSync(gone) && readdirSync(gone).length === 0 && !Object.keys(files).some((f) => f.startsWith(rel))) rmSync(gone, { recursive: true, force: true });
    } else {
      rmSync(gone, { force: true });
    }
    // A folder the board emptied and removed (os.rmdir) goes too, as it did on the board.
    for (let sub = path.dirname(rel.replace(/\/$/, '')); sub !== '.'; sub = path.dirname(sub)) {
      const abs = path.join(dir, sub);
      if (!existsSync(abs) || readdirSync(abs).length > 0 || `${sub}/` in files) break;
      rmSync(abs, { recursive: true, force: true });
    }
  }
  return { ...files };
}
