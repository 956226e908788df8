import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LogStore } from '../../src-main/hub/store/database.ts';
import { SQLITE_BINDING_ENV, sqliteOptions } from '../../src-main/hub/store/sqlite-binding.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'picolink-binding-'));
afterEach(() => {
  delete process.env[SQLITE_BINDING_ENV];
});

describe('the SQLite binding the shell names', () => {
  it('is used when named, and left to better-sqlite3 otherwise', () => {
    expect(sqliteOptions({ readonly: true })).toEqual({ readonly: true });
    const built = path.join(path.dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json')), 'build', 'Release', 'better_sqlite3.node');
    process.env[SQLITE_BINDING_ENV] = built;
    expect(sqliteOptions()).toEqual({ nativeBinding: built });
    const store = LogStore.open(path.join(dir, 'a.sqlite'));
    store.close();
    process.env[SQLITE_BINDING_ENV] = path.join(dir, 'missing.node');
    expect(() => LogStore.open(path.join(dir, 'b.sqlite'))).toThrow(/missing\.node/);
    rmSync(dir, { recursive: true, force: true });
  });
});
