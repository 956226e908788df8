import { describe, expect, it } from 'vitest';
import { FLOOD_CALM_MS, FLOOD_REFUSALS, FLOOD_WINDOW_MS, FloodMeter } from '../../src-main/hub/protocol/flood-meter.ts';

describe('flood meter', () => {
  it(`starts a flood at ${FLOOD_REFUSALS} refusals within ${FLOOD_WINDOW_MS} ms, once`, () => {
    const m = new FloodMeter();
    const changes = Array.from({ length: 30 }, (_, i) => m.refuse(1000 + i));
    expect(changes.indexOf('started')).toBe(FLOOD_REFUSALS - 1);
    expect(changes.filter((c) => c !== null)).toEqual(['started']);
    expect(m.flooding).toBe(true);
    expect(m.refused).toBe(30);
  });

  it('takes refusals spread thinner than that as no flood', () => {
    const m = new FloodMeter();
    const every = FLOOD_WINDOW_MS / (FLOOD_REFUSALS - 1);
    for (let i = 0; i < 100; i++) expect(m.refuse(i * every)).toBeNull();
    expect(m.flooding).toBe(false);
  });

  it(`ends after ${FLOOD_CALM_MS} ms without a refusal, and can start again`, () => {
    const m = new FloodMeter();
    for (let i = 0; i < FLOOD_REFUSALS; i++) m.refuse(i);
    const last = FLOOD_REFUSALS - 1;
    expect(m.tick(last + FLOOD_CALM_MS - 1)).toBeNull();
    expect(m.tick(last + FLOOD_CALM_MS)).toBe('ended');
    expect(m.tick(last + FLOOD_CALM_MS + 1)).toBeNull();
    expect(m.flooding).toBe(false);
    const t = 10_000;
    const again = Array.from({ length: FLOOD_REFUSALS }, (_, i) => m.refuse(t + i));
    expect(again.at(-1)).toBe('started');
  });
});
