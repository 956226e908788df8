// Per-device batching of the service's high-rate events (samples, messages).
import { describe, expect, it } from 'vitest';
import { DeviceBatcher } from '../../src-main/app/device-batcher.ts';

describe('DeviceBatcher', () => {
  it('hands out what gathered per device, in arrival order, once', () => {
    const b = new DeviceBatcher<number>();
    b.add('a', 1);
    b.add('b', 2);
    b.add('a', 3);
    expect(b.drain()).toEqual([
      { address: 'a', items: [1, 3], dropped: 0 },
      { address: 'b', items: [2], dropped: 0 },
    ]);
    expect(b.drain()).toEqual([]);
  });

  it('keeps the newest items up to its limit per device and counts the rest', () => {
    const b = new DeviceBatcher<number>(3);
    for (let i = 0; i < 1_000; i++) b.add('a', i);
    b.add('b', -1);
    expect(b.drain()).toEqual([
      { address: 'a', items: [997, 998, 999], dropped: 997 },
      { address: 'b', items: [-1], dropped: 0 },
    ]);
  });
});
