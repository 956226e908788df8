import { describe, expect, it } from 'vitest';
import { InputHistory } from '../../src-renderer/src/lib/input-history.ts';

describe('InputHistory', () => {
  it('walks back and forth and restores the draft past the newest entry', () => {
    const h = new InputHistory();
    h.add('one');
    h.add('two');
    h.add('three');
    expect(h.previous('draft')).toBe('three');
    expect(h.previous('three')).toBe('two');
    expect(h.previous('two')).toBe('one');
    expect(h.previous('one')).toBeNull(); // nothing older: input unchanged
    expect(h.next()).toBe('two');
    expect(h.next()).toBe('three');
    expect(h.next()).toBe('draft');
    expect(h.next()).toBeNull(); // not browsing any more
  });

  it('has nothing to offer when empty', () => {
    const h = new InputHistory();
    expect(h.previous('x')).toBeNull();
    expect(h.next()).toBeNull();
  });

  it('skips blanks and immediate repeats, and resets browsing on add', () => {
    const h = new InputHistory();
    h.add('a');
    h.add('a');
    h.add('  ');
    h.add('b');
    expect(h.list()).toEqual(['a', 'b']);
    expect(h.previous('')).toBe('b');
    h.add('c');
    expect(h.previous('')).toBe('c');
  });

  it('keeps at most its limit, dropping the oldest', () => {
    const h = new InputHistory(3);
    for (const s of ['1', '2', '3', '4', '5']) h.add(s);
    expect(h.list()).toEqual(['3', '4', '5']);
    expect(h.size).toBe(3);
  });
});
