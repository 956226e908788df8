// Test helpers for codec tests: catch the typed DecodeError and compare hex with readable diffs.
import { expect } from 'vitest';
import { DecodeError, fromHex, toHex } from '../../src-main/hci/bytes.ts';

/** Runs `fn` and returns the DecodeError it throws; fails the test if it throws anything else or nothing. */
export function catchDecodeError(fn: () => unknown): DecodeError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
  throw new Error('expected a DecodeError, nothing was thrown');
}

/** Compares bytes with a golden hex string (whitespace in the golden is ignored). */
export function expectHex(actual: Uint8Array, golden: string): void {
  expect(toHex(actual)).toBe(toHex(fromHex(golden)));
}
