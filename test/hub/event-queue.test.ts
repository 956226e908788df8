import { describe, expect, it } from 'vitest';
import { EventQueue } from '../../src-main/hub/event-queue.ts';

describe('EventQueue', () => {
  it('handles an input pushed from inside a handler after the handler returns, in order', () => {
    const log: string[] = [];
    const q: EventQueue<string> = new EventQueue((x) => {
      log.push(`enter ${x}`);
      if (x === 'a') {
        q.push('b');
        q.push('c');
        expect(q.busy).toBe(true);
      }
      log.push(`leave ${x}`);
    });
    q.push('a');
    expect(log).toEqual(['enter a', 'leave a', 'enter b', 'leave b', 'enter c', 'leave c']);
    expect(q.busy).toBe(false);
  });

  it('a handler that throws does not strand the inputs behind it; the first error is rethrown', () => {
    const seen: number[] = [];
    const q: EventQueue<number> = new EventQueue((n) => {
      seen.push(n);
      if (n === 1) {
        q.push(2);
        throw new Error('listener bug');
      }
      if (n === 2) throw new Error('second');
    });
    expect(() => q.push(1)).toThrow('listener bug');
    expect(seen).toEqual([1, 2]);
    q.push(3);
    expect(seen).toEqual([1, 2, 3]);
  });
});
