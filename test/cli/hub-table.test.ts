// The hub's text tables: a device whose GATT setup keeps failing says so under the table.
import { describe, expect, it } from 'vitest';
import type { DeviceStatus } from '../../src-main/hub/hub.ts';
import { statusTable, summaryRecords, summaryTable } from '../../src-main/cli/hub-table.ts';

const snap = { count: 0, lost: 0, lossPercent: 0, p50: null, p95: null, p99: null, max: null, mean: null };
const device = (name: string | null, address: string, state: DeviceStatus['state'], fault: string | null): DeviceStatus => ({
  address, name, paired: true, state, reason: 'retrying', fault, adapter: 'uart:x', profile: 'nus', rssi: -50, lastSeen: 0, mtu: null,
  intervalMs: 15, window: snap, total: snap, firmwareMs: null, messagesIn: 0, messagesOut: 0, bad: 0, lastThroughput: null,
});

const FAULT = 'GATT setup keeps failing (3 times): no Write Response to the CCCD write of 6e400003b5a3f393e0a9e50e24dcca9e in 2000 ms (refused with an ATT error, or lost)';

describe('hub tables', () => {
  const devices = [device('good', 'aa:bb:cc:dd:ee:01', 'linked', null), device(null, 'aa:bb:cc:dd:ee:02', 'queued', FAULT)];

  it('the live table lists every device, then one line per device whose GATT setup keeps failing', () => {
    const lines = statusTable(devices, 0).split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[2]).toMatch(/^\(no name\) +queued +aa:bb:cc:dd:ee:02/);
    expect(lines[3]).toBe(`! aa:bb:cc:dd:ee:02: ${FAULT}`);
    expect(statusTable(devices.slice(0, 1), 0).split('\n')).toHaveLength(2);
  });

  it('the summary says it too, and its records carry the fault', () => {
    const records = summaryRecords(devices);
    expect(records.map((r) => r.fault)).toEqual([null, FAULT]);
    expect(summaryTable(records).split('\n').at(-1)).toBe(`! aa:bb:cc:dd:ee:02: ${FAULT}`);
  });
});
