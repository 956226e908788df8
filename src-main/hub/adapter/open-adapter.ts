// An adapter as the user named it, opened, or the typed reason it could not be: the CLI and the
// app open adapters the same way and each words the failure its own way.
import { existsSync } from 'node:fs';
import type { Noble } from '@stoprocent/noble';
import type { Clock } from '../../hci/clock.ts';
import { Adapter } from './adapter.ts';
import { describeAdapterSpec, transportOf, type AdapterSpec } from './adapter-spec.ts';
import type { AdapterStatus } from './adapter-state.ts';
import { createNoble } from './noble-factory.ts';

export type OpenedAdapter = { adapter: Adapter } | { adapter: null; name: string; status: Extract<AdapterStatus, { code: 'port-missing' | 'start-failed' }> };

export interface OpenAdapterOptions {
  /** How noble is made (default createNoble); tests play a machine without Bluetooth. */
  createNoble?: (spec: AdapterSpec) => Noble;
  clock?: Clock;
  platform?: NodeJS.Platform;
}

export function openAdapter(spec: AdapterSpec, options: OpenAdapterOptions = {}): OpenedAdapter {
  const name = describeAdapterSpec(spec);
  // noble's UART driver would report a missing port only as an adapter that stays off. Windows
  // names ports (COM3) that are not files, so there the open is left to tell.
  if (spec.kind === 'uart' && (options.platform ?? process.platform) !== 'win32' && !existsSync(spec.port)) {
    return { adapter: null, name, status: { code: 'port-missing', hint: { port: spec.port } } };
  }
  try {
    const noble = (options.createNoble ?? createNoble)(spec);
    return { adapter: new Adapter(name, noble, { transport: transportOf(spec), ...(options.clock ? { clock: options.clock } : {}) }) };
  } catch (e) {
    return { adapter: null, name, status: { code: 'start-failed', hint: { cause: e instanceof Error ? e.message : String(e) } } };
  }
}
