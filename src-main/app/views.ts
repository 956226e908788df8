// The hub's records as the contract carries them to the renderer. Bytes travel as hex because
// IPC and JSON both turn a Uint8Array into something the renderer would have to guess at; and
// each view copies only the contract's fields, so nothing internal leaks across the boundary.
import type { AdapterPower, AdapterStatus } from '../hub/adapter/adapter-state.ts';
import type { DeviceStatus, HistoryEntry } from '../hub/hub.ts';
import type { LinkMessage } from '../hub/protocol/protocol-session.ts';
import type { LinkThroughput } from '../hub/link/link-loop.ts';
import type { RttSnapshot } from '../hub/latency/rtt-stats.ts';
import type { AdapterView, DeviceView, HistoryEntryView, MessageBody } from '../ipc/contract.ts';

type ThroughputView = NonNullable<DeviceView['lastThroughput']>;
type RttView = DeviceView['window'];

export function toBody(message: LinkMessage): MessageBody {
  return message.kind === 'text' ? { kind: 'text', text: message.text } : { kind: 'data', hex: Buffer.from(message.bytes).toString('hex') };
}

export function fromBody(body: MessageBody): LinkMessage {
  return body.kind === 'text' ? { kind: 'text', text: body.text } : { kind: 'data', bytes: new Uint8Array(Buffer.from(body.hex, 'hex')) };
}

export function toHistoryEntry(entry: HistoryEntry): HistoryEntryView {
  return { at: entry.at, direction: entry.direction, body: toBody(entry.message) };
}

export function toThroughput(r: LinkThroughput): ThroughputView {
  const l = r.limit;
  return {
    octets: r.octets,
    firmwareOctets: r.firmwareOctets,
    firmwareMs: r.firmwareMs,
    hubMs: r.hubMs,
    bytesPerSecond: r.bytesPerSecond,
    limit: { bytesPerSecond: l.bytesPerSecond, phy: l.phy, intervalMs: l.intervalMs, attMtu: l.attMtu, maxTxOctets: l.maxTxOctets, assumed: [...l.assumed], ahead: l.ahead },
  };
}

function toRtt(s: RttSnapshot): RttView {
  return { count: s.count, lost: s.lost, lossPercent: s.lossPercent, p50: s.p50, p95: s.p95, p99: s.p99, max: s.max, mean: s.mean };
}

export function toDeviceView(d: DeviceStatus): DeviceView {
  return {
    address: d.address,
    name: d.name,
    paired: d.paired,
    state: d.state,
    reason: d.reason,
    fault: d.fault,
    adapter: d.adapter,
    profile: d.profile,
    rssi: d.rssi,
    lastSeen: d.lastSeen,
    mtu: d.mtu,
    intervalMs: d.intervalMs,
    window: toRtt(d.window),
    total: toRtt(d.total),
    firmwareMs: d.firmwareMs,
    messagesIn: d.messagesIn,
    messagesOut: d.messagesOut,
    bad: d.bad,
    lastThroughput: d.lastThroughput ? toThroughput(d.lastThroughput) : null,
    hub: null,
    online: true,
  };
}

/** The hub's typed condition as the renderer gets it: the code and its hint, no prose. */
export function toAdapterView(name: string, state: AdapterPower, status: AdapterStatus): AdapterView {
  // AdapterStatus is code and hint only; a code or hint the contract does not carry fails to compile here.
  return { name, state, ...status };
}
