// The log and exports hold what the devices said and when: only the user may read them.
// SQLite creates a database's -wal and -shm files with the database file's permissions, so a
// database file made private before SQLite first opens it keeps its companions private too.
import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';

export const PRIVATE_MODE = 0o600;

/** Creates `file` empty with owner-only permissions unless it exists. */
export function createPrivate(file: string): void {
  if (!existsSync(file)) closeSync(openSync(file, 'a', PRIVATE_MODE));
}

/** Narrows the permissions of `file` and of the companions (suffixes) that exist to owner-only. */
export function narrowToPrivate(file: string, companions: readonly string[] = []): void {
  for (const f of [file, ...companions.map((suffix) => file + suffix)]) {
    try {
      chmodSync(f, PRIVATE_MODE);
    } catch (error) {
      // Another user's file, or one that came and went: its permissions are not ours to fix.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EPERM' && code !== 'ENOENT') throw error;
    }
  }
}
