// Advertising on the air: event timing (interval plus advDelay), passive and active scanning,
// data exactly as set, and RSSI that follows distance.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LeSetScanResponseData, scanResponseData } from '../../../src-main/hci/commands/le-advertising.ts';
import { LeSetScanEnable, LeSetScanParameters } from '../../../src-main/hci/commands/le-scanning.ts';
import * as C from '../../../src-main/hci/constants.ts';
import { asEvent } from '../../../src-main/hci/event.ts';
import { LeAdvertisingReport } from '../../../src-main/hci/le-events.ts';
import { Bench, eventsOf, startAdvertising, type TestNode } from '../harness.ts';

let bench: Bench;
beforeEach(() => {
  bench = new Bench();
});
afterEach(() => bench.close());

interface Report {
  type: number;
  data: number[];
  rssi: number;
  at: number;
}

/** Collects legacy advertising reports with the (manual) time they were seen. */
function collect(node: TestNode, out: Report[]): void {
  node.host.on('event', (e) => {
    for (const r of asEvent(e, LeAdvertisingReport)?.reports ?? []) {
      out.push({ type: r.eventType, data: Array.from(r.data), rssi: r.rssi, at: bench.clock.now() });
    }
  });
}

async function scan(node: TestNode, active: boolean, filterDuplicates = false): Promise<void> {
  await node.host.execute(LeSetScanParameters, { leScanType: active ? 1 : 0, leScanInterval: 0x10, leScanWindow: 0x10, ownAddressType: 0, scanningFilterPolicy: 0 });
  await node.host.execute(LeSetScanEnable, { leScanEnable: 1, filterDuplicates: filterDuplicates ? 1 : 0 });
}

describe('advertising events', () => {
  it('come at the advertising interval plus a 0-10 ms random delay', async () => {
    const scanner = await bench.node({ name: 'scanner' });
    const adv = await bench.node({ name: 'adv' });
    const reports: Report[] = [];
    collect(scanner, reports);
    await scan(scanner, false);
    await startAdvertising(adv, 160); // 100 ms
    await bench.advance(5000, 1);
    const gaps = reports.slice(1).map((r, i) => r.at - reports[i]!.at);
    expect(gaps.length).toBeGreaterThan(40);
    for (const g of gaps) {
      expect(g).toBeGreaterThanOrEqual(100);
      expect(g).toBeLessThanOrEqual(111);
    }
    // The delay is random, not constant.
    expect(Math.max(...gaps) - Math.min(...gaps)).toBeGreaterThan(5);
  });

  it('passive scanning reports advertising data only; active scanning adds the scan response', async () => {
    const passive = await bench.node({ name: 'passive' });
    const active = await bench.node({ name: 'active' });
    const adv = await bench.node({ name: 'adv' });
    const pr: Report[] = [];
    const ar: Report[] = [];
    collect(passive, pr);
    collect(active, ar);
    await scan(passive, false);
    await scan(active, true);
    const data = [2, 1, 6, 5, 9, 0x50, 0x69, 0x63, 0x6f];
    const rsp = [3, 3, 0x0a, 0x18];
    await adv.host.execute(LeSetScanResponseData, scanResponseData(Uint8Array.from(rsp)));
    await startAdvertising(adv, 0x20, C.ADV_IND, Uint8Array.from(data));
    await bench.advance(300, 5);
    expect(pr.length).toBeGreaterThan(0);
    expect(pr.every((r) => r.type === C.REPORT_ADV_IND && r.data.join() === data.join())).toBe(true);
    expect(ar.some((r) => r.type === C.REPORT_SCAN_RSP && r.data.join() === rsp.join())).toBe(true);
    expect(ar.some((r) => r.type === C.REPORT_ADV_IND)).toBe(true);
  });

  it('duplicate filtering reports each advertiser once per scan', async () => {
    const scanner = await bench.node({ name: 'scanner' });
    const adv = await bench.node({ name: 'adv' });
    await scan(scanner, true, true);
    await startAdvertising(adv);
    await bench.advance(500, 5);
    const reports = eventsOf(scanner, LeAdvertisingReport);
    expect(reports.length).toBe(2); // ADV_IND and SCAN_RSP, once each
  });

  it('non-connectable advertising is reported as such and never connects', async () => {
    const scanner = await bench.node({ name: 'scanner' });
    const adv = await bench.node({ name: 'adv' });
    const reports: Report[] = [];
    collect(scanner, reports);
    await scan(scanner, true);
    await startAdvertising(adv, 0x20, C.ADV_NONCONN_IND);
    await bench.advance(200, 5);
    expect(reports.length).toBeGreaterThan(0);
    expect(reports.every((r) => r.type === C.REPORT_ADV_NONCONN_IND)).toBe(true);
  });
});

describe('RSSI', () => {
  it('follows the distance between nodes, with noise, and stops at the edge of range', async () => {
    const scanner = await bench.node({ name: 'scanner', position: { x: 0, y: 0 } });
    const adv = await bench.node({ name: 'adv', position: { x: 1, y: 0 } });
    const reports: Report[] = [];
    collect(scanner, reports);
    await scan(scanner, false);
    await startAdvertising(adv);
    const mean = async (): Promise<{ mean: number; spread: number; n: number }> => {
      reports.length = 0;
      await bench.advance(2000, 10);
      const v = reports.map((r) => r.rssi);
      return { mean: v.reduce((a, b) => a + b, 0) / Math.max(1, v.length), spread: Math.max(...v) - Math.min(...v), n: v.length };
    };
    const near = await mean();
    expect(near.mean).toBeGreaterThan(-43);
    expect(near.mean).toBeLessThan(-37);
    expect(near.spread).toBeGreaterThan(2);
    bench.radio.move('adv', { x: 30, y: 0 }); // 40 + 25 log10(30) = 77 dB
    const far = await mean();
    expect(far.mean).toBeGreaterThan(-80);
    expect(far.mean).toBeLessThan(-74);
    bench.radio.move('adv', { x: 2000, y: 0 });
    const gone = await mean();
    expect(gone.n).toBe(0);
  });
});
