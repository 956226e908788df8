// The hub's status and summary as text tables and as JSON-friendly records. Pure functions of
// the hub's status, so the CLI's output is tested without a terminal.
import type { DeviceStatus } from '../hub/hub.ts';
import type { RttSnapshot } from '../hub/latency/rtt-stats.ts';

const ms = (v: number | null): string => (v === null ? '-' : v.toFixed(1));
const pct = (v: number): string => `${v.toFixed(2)}%`;

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

function age(lastSeen: number | null, now: number): string {
  if (lastSeen === null) return '-';
  const s = Math.max(0, (now - lastSeen) / 1000);
  return s < 60 ? `${s.toFixed(0)}s` : `${(s / 60).toFixed(0)}m`;
}

/** One line per device whose GATT setup keeps failing, under a table: too long for a column, too important to leave out. */
function faultLines(devices: readonly { name: string | null; fault: string | null }[], address: (i: number) => string): string[] {
  return devices.flatMap((d, i) => (d.fault ? [`! ${d.name ?? address(i)}: ${d.fault}`] : []));
}

/** The live view: one row per device, paired first, then what keeps failing. */
export function statusTable(devices: readonly DeviceStatus[], now: number): string {
  const header = ['device', 'state', 'address', 'rssi', 'seen', 'adapter', 'p50', 'p99', 'loss', 'samples', 'rx/tx'];
  const rows = devices.map((d) => [
    d.name ?? '(no name)',
    d.state,
    d.address,
    d.rssi === null ? '-' : d.rssi.toFixed(0),
    age(d.lastSeen, now),
    d.adapter ?? '-',
    ms(d.window.p50),
    ms(d.window.p99),
    pct(d.window.lossPercent),
    String(d.total.count),
    `${d.messagesIn}/${d.messagesOut}`,
  ]);
  return [table(header, rows), ...faultLines(devices, (i) => devices[i]!.address)].join('\n');
}

/** One device's totals since the hub started: its RTT snapshot (ms) and link facts. */
export interface SummaryRecord extends RttSnapshot {
  device: string;
  name: string | null;
  firmwareMs: number | null;
  intervalMs: number;
  messagesIn: number;
  messagesOut: number;
  state: string;
  fault: string | null;
}

export function summaryRecords(devices: readonly DeviceStatus[]): SummaryRecord[] {
  return devices
    .filter((d) => d.paired)
    .map((d) => ({
      device: d.address,
      name: d.name,
      ...d.total,
      firmwareMs: d.firmwareMs,
      intervalMs: d.intervalMs,
      messagesIn: d.messagesIn,
      messagesOut: d.messagesOut,
      state: d.state,
      fault: d.fault,
    }));
}

/** The exit summary, RTT in ms. */
export function summaryTable(records: readonly SummaryRecord[]): string {
  if (records.length === 0) return 'No paired devices.';
  const header = ['device', 'address', 'samples', 'lost', 'loss', 'p50', 'p95', 'p99', 'max', 'fw', 'interval'];
  const rows = records.map((r) => [
    r.name ?? '(no name)',
    r.device,
    String(r.count),
    String(r.lost),
    pct(r.lossPercent),
    ms(r.p50),
    ms(r.p95),
    ms(r.p99),
    ms(r.max),
    ms(r.firmwareMs),
    ms(r.intervalMs),
  ]);
  return [table(header, rows), ...faultLines(records, (i) => records[i]!.device)].join('\n');
}
