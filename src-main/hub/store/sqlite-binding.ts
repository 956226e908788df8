// Which better-sqlite3 native binding to load: the one npm built (plain Node: the CLI, tests), or
// the Electron build `npm start` makes (scripts/electron-native.mjs), named by the shell.
import type Database from 'better-sqlite3';

export const SQLITE_BINDING_ENV = 'PICOLINK_SQLITE_BINDING';

export function sqliteOptions(extra: Database.Options = {}): Database.Options {
  const nativeBinding = process.env[SQLITE_BINDING_ENV];
  return nativeBinding ? { ...extra, nativeBinding } : extra;
}
