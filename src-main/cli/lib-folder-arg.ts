// --lib DIR for picolink sim and hub --sim: the folder's packages stand in for the frozen ones
// (sim/board-packages.ts).
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from './usage.ts';

/** A --lib argument as an absolute path; a usage error unless it is a folder. */
export function libFolder(dir: string): string {
  const abs = path.resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) throw new UsageError(`--lib ${dir}: no such folder`);
  return abs;
}
