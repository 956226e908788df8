// The contract's throughput result carries the link's physical limit (issue 15 point 6): what the
// hub sends validates, and what the renderer must not trust is refused.
import { describe, expect, it } from 'vitest';
import { events, throughputSchema } from '../../src-main/ipc/contract.ts';
import { toThroughput } from '../../src-main/app/views.ts';
import { linkShape, throughputLimit } from '../../src-main/hub/protocol/bulk-pace.ts';

const hubResult = { octets: 1000, firmwareOctets: 1000, firmwareMs: 60, hubMs: 70, bytesPerSecond: 14_285.7, limit: throughputLimit(linkShape(15, 256), 2) };

describe('throughput in the contract', () => {
  it('carries the hub result with its limit: PHY, interval, MTU, data length, what was assumed, ahead', () => {
    const view = toThroughput(hubResult);
    expect(throughputSchema.parse(view)).toEqual(view);
    expect(view.limit).toEqual({ bytesPerSecond: hubResult.limit.bytesPerSecond, phy: '1M', intervalMs: 15, attMtu: 256, maxTxOctets: 27, assumed: ['phy', 'data-length'], ahead: 2 });
    expect(events.throughput.safeParse({ address: 'aa:bb:cc:dd:ee:ff', result: view }).success).toBe(true);
    expect(throughputSchema.safeParse({ ...view, limit: { ...view.limit, ahead: null } }).success).toBe(true);
  });

  it('refuses a result without a limit, or one outside what the spec allows', () => {
    const view = toThroughput(hubResult);
    const { limit: _, ...noLimit } = view;
    expect(throughputSchema.safeParse(noLimit).success).toBe(false);
    // connMaxTxOctets is 27 to 251 (Core 5.4 Vol 6 Part B 4.5.10); PHYs are 1M, 2M and Coded.
    for (const bad of [{ maxTxOctets: 26 }, { maxTxOctets: 252 }, { phy: '3M' }, { ahead: 17 }, { ahead: 0 }, { attMtu: 22 }, { assumed: ['mtu'] }, { bytesPerSecond: -1 }, { intervalMs: 0 }]) {
      expect(throughputSchema.safeParse({ ...view, limit: { ...view.limit, ...bad } }).success, JSON.stringify(bad)).toBe(false);
    }
  });
});
