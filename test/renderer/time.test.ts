import { describe, expect, it } from 'vitest';
import { formatAgo, formatClock, formatMs, formatRate, parseLocalDateTime, toLocalDateTime } from '../../src-renderer/src/lib/time.ts';

describe('formatAgo', () => {
  const now = 1_700_000_000_000;
  it('says how long ago, in the largest whole unit', () => {
    expect(formatAgo(null, now)).toBe('never');
    expect(formatAgo(now - 200, now)).toBe('now');
    expect(formatAgo(now - 3_400, now)).toBe('3 s ago');
    expect(formatAgo(now - 59_999, now)).toBe('59 s ago');
    expect(formatAgo(now - 60_000, now)).toBe('1 min ago');
    expect(formatAgo(now - 2 * 3_600_000 - 5, now)).toBe('2 h ago');
    expect(formatAgo(now - 3 * 86_400_000, now)).toBe('3 d ago');
    // A clock slightly ahead is still "now", not negative.
    expect(formatAgo(now + 500, now)).toBe('now');
  });
});

describe('formatClock', () => {
  it('prints local time with milliseconds', () => {
    const at = new Date(2024, 4, 1, 9, 5, 7, 42).getTime();
    expect(formatClock(at)).toBe('09:05:07.042');
    expect(formatClock(at, false)).toBe('09:05:07');
  });
});

describe('formatMs and formatRate', () => {
  it('scales precision with magnitude', () => {
    expect(formatMs(null)).toBe('–');
    expect(formatMs(0.8444)).toBe('0.84 ms');
    expect(formatMs(12.34)).toBe('12.3 ms');
    expect(formatMs(152.6)).toBe('153 ms');
    expect(formatMs(Number.NaN)).toBe('–');
    expect(formatRate(812)).toBe('812 B/s');
    expect(formatRate(12_400)).toBe('12.4 kB/s');
    expect(formatRate(1_050_000)).toBe('1.05 MB/s');
    expect(formatRate(-1)).toBe('–');
  });
});

describe('datetime-local values', () => {
  it('round-trips local time to the minute', () => {
    const at = new Date(2024, 11, 31, 23, 59).getTime();
    expect(toLocalDateTime(at)).toBe('2024-12-31T23:59');
    expect(parseLocalDateTime('2024-12-31T23:59')).toBe(at);
    expect(parseLocalDateTime('2024-12-31T23:59:30')).toBe(at + 30_000);
  });
  it('rejects malformed and impossible dates', () => {
    expect(parseLocalDateTime('')).toBeNull();
    expect(parseLocalDateTime('2024-02-30T10:00')).toBeNull();
    expect(parseLocalDateTime('2024-13-01T10:00')).toBeNull();
    expect(parseLocalDateTime('yesterday')).toBeNull();
  });
});
