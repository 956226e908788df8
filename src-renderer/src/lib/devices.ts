// Pure device and adapter logic for the views.
import type { AdapterCodeView, AdapterView, DeviceView } from '../../../src-main/ipc/contract.ts';

/** Paired devices first, then by name (unnamed last), then address: a stable order. */
export function sortDevices(devices: readonly DeviceView[]): DeviceView[] {
  return [...devices].sort((a, b) => {
    if (a.paired !== b.paired) return a.paired ? -1 : 1;
    const an = a.name ?? '\uffff';
    const bn = b.name ?? '\uffff';
    return an.localeCompare(bn, undefined, { numeric: true }) || a.address.localeCompare(b.address);
  });
}

/** Which banner explains the adapters: the one to act on first. */
export type AdapterProblemKind = 'unauthorized' | 'poweredOff' | 'unsupported' | 'waiting';
export type AdapterProblem = { kind: AdapterProblemKind; adapter: AdapterView };

const KIND: Record<AdapterCodeView, AdapterProblemKind | null> = {
  'powered-on': null,
  unauthorized: 'unauthorized',
  'powered-off': 'poweredOff',
  // No usable adapter and none coming back by itself: the banner offers the simulator.
  unsupported: 'unsupported',
  'no-controller': 'unsupported',
  'port-missing': 'unsupported',
  'start-failed': 'unsupported',
  unknown: 'waiting',
  resetting: 'waiting',
  'sim-off': 'waiting',
};

/** The adapter state the UI should explain, if no adapter is usable. */
export function adapterProblem(adapters: readonly AdapterView[]): AdapterProblem | null {
  if (adapters.some((a) => a.code === 'powered-on')) return null;
  for (const kind of ['unauthorized', 'poweredOff', 'unsupported'] as const) {
    const a = adapters.find((x) => KIND[x.code] === kind);
    if (a) return { kind, adapter: a };
  }
  const first = adapters[0];
  return first ? { kind: 'waiting', adapter: first } : null;
}
