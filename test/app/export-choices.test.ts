// The save dialog's choices behind tokens: single use, short-lived, bounded, unguessable.
import { describe, expect, it } from 'vitest';
import { ExportChoices, ExportTokenError } from '../../src-main/app/export-choices.ts';
import { exportTokenSchema } from '../../src-main/ipc/contract.ts';

describe('ExportChoices', () => {
  it('gives each choice a fresh token the contract accepts, and the choice back once', () => {
    const choices = new ExportChoices();
    const a = choices.issue({ file: '/tmp/a.csv', format: 'csv' });
    const b = choices.issue({ file: '/tmp/a.csv', format: 'csv' });
    expect(a).not.toBe(b);
    expect(exportTokenSchema.safeParse(a).success).toBe(true);
    expect(choices.take(a)).toEqual({ file: '/tmp/a.csv', format: 'csv' });
    expect(() => choices.take(a)).toThrow(ExportTokenError);
    expect(() => choices.take(a)).toThrow(/unknown or was already used/);
    expect(choices.take(b).file).toBe('/tmp/a.csv');
  });

  it('refuses a forged token', () => {
    const choices = new ExportChoices();
    choices.issue({ file: '/tmp/a.csv', format: 'csv' });
    expect(() => choices.take('A'.repeat(43))).toThrow(ExportTokenError);
    expect(() => choices.take('')).toThrow(ExportTokenError);
  });

  it('expires a choice after its time, and spends it even then', () => {
    let now = 1_000;
    const choices = new ExportChoices({ ttlMs: 60_000, now: () => now });
    const kept = choices.issue({ file: '/tmp/kept.csv', format: 'csv' });
    const late = choices.issue({ file: '/tmp/late.ndjson', format: 'ndjson' });
    now += 60_000;
    expect(choices.take(kept).file).toBe('/tmp/kept.csv');
    now += 1;
    expect(() => choices.take(late)).toThrow(/expired|unknown/);
    expect(choices.size).toBe(0);
  });

  it('holds a bounded number of choices, dropping the oldest', () => {
    const choices = new ExportChoices({ max: 3 });
    const tokens = Array.from({ length: 10 }, (_, i) => choices.issue({ file: `/tmp/${i}.csv`, format: 'csv' }));
    expect(choices.size).toBe(3);
    expect(() => choices.take(tokens[0]!)).toThrow(ExportTokenError);
    expect(choices.take(tokens[9]!).file).toBe('/tmp/9.csv');
  });
});
