// Pure device and adapter logic for the views.
import type { AdapterView, DeviceView } from '../../../src-main/ipc/contract.ts';

/** Paired devices first, then by name (unnamed last), then address: a stable order. */
export function sortDevices(devices: readonly DeviceView[]): DeviceView[] {
  return [...devices].sort((a, b) => {
    if (a.paired !== b.paired) return a.paired ? -1 : 1;
    const an = a.name ?? '\uffff';
    const bn = b.name ?? '\uffff';
    return an.localeCompare(bn, undefined, { numeric: true }) || a.address.localeCompare(b.address);
  });
}

export type AdapterProblem = { kind: 'unsupported' | 'poweredOff' | 'unauthorized' | 'waiting'; adapter: AdapterView };

/** The adapter state the UI should explain, if no adapter is usable. */
export function adapterProblem(adapters: readonly AdapterView[]): AdapterProblem | null {
  if (adapters.some((a) => a.state === 'poweredOn')) return null;
  for (const kind of ['unauthorized', 'poweredOff', 'unsupported'] as const) {
    const a = adapters.find((x) => x.state === kind);
    if (a) return { kind, adapter: a };
  }
  const first = adapters[0];
  return first ? { kind: 'waiting', adapter: first } : null;
}

/** The command in an 'unauthorized' message (the setcap fix), if there is one. */
export function fixCommand(message: string): string | null {
  const m = /(sudo setcap .*?)(?=\s+\(or |\s*$)/.exec(message);
  return m ? m[1]! : null;
}
