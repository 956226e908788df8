// Moving a damaged file out of the way instead of deleting or overwriting it, so the user (or
// support) can still look at what was there while the app starts fresh.
import { existsSync, renameSync } from 'node:fs';

/** `file.corrupt-2025-01-02T03-04-05-678Z`: no colons, which Windows forbids in names. */
export function setAsideName(file: string, now: Date = new Date()): string {
  const base = `${file}.corrupt-${now.toISOString().replace(/[:.]/g, '-')}`;
  let name = base;
  for (let n = 1; existsSync(name); n++) name = `${base}-${n}`;
  return name;
}

/**
 * Renames `file` aside and returns where it went. `companions` are suffixes of files that
 * belong to it (SQLite's `-wal`, `-shm`), moved along under the same name when present.
 */
export function setAside(file: string, companions: readonly string[] = [], now: Date = new Date()): string {
  const target = setAsideName(file, now);
  renameSync(file, target);
  for (const suffix of companions) {
    if (existsSync(file + suffix)) renameSync(file + suffix, target + suffix);
  }
  return target;
}
