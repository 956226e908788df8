// noble's states and errors as types, in this one place. noble reports an adapter's state as a
// string, a connection the controller refused as an Error whose message is the HCI status in
// words with its code ("Connection Limit Exceeded (0x9)", hci-socket/bindings.js
// onLeConnComplete), its own refusals as other messages, and a disconnection's reason as the HCI
// status number (or, from BlueZ over D-Bus, a string). Above this file the hub sees codes and
// numbers; nothing else reads noble's text.
import { createRequire } from 'node:module';
import { HciStatus } from '../../hci/constants.ts';
import { ADAPTER_POWERS, type AdapterPower } from './adapter-state.ts';

/** noble's names for the HCI error codes by value (Core 5.4 Vol 1 Part F 1.3), the spec's own wording. */
const HCI_STATUS_NAMES = createRequire(import.meta.url)('@stoprocent/noble/lib/hci-socket/hci-status.json') as readonly string[];

export type NobleErrorCode =
  /** HCI Connection Limit Exceeded: the controller has no room for another link. */
  | 'connection-limit'
  /** Any other HCI error code from the controller (`status`). */
  | 'hci-status'
  /** noble refused to connect: its adapter is not powered on. */
  | 'adapter-not-on'
  /** The attempt was called off (cancelConnect, or noble's cleanup when the adapter went away). */
  | 'canceled'
  | 'already-connected'
  /** Text this file does not know; kept as noble wrote it. */
  | 'other';

export class NobleError extends Error {
  override readonly name = 'NobleError';
  constructor(
    readonly code: NobleErrorCode,
    message: string,
    /** The HCI status for 'connection-limit' and 'hci-status'; null otherwise. */
    readonly status: number | null = null,
  ) {
    super(message);
  }
}

/** noble's stateChange string; one it did not have when this was written counts as not known yet. */
export function powerOf(state: string): AdapterPower {
  return (ADAPTER_POWERS as readonly string[]).includes(state) ? (state as AdapterPower) : 'unknown';
}

/** An HCI error code as a typed error, named as the spec names it: "Connection Timeout (0x08)". */
export function hciStatusError(status: number): NobleError {
  const text = `${HCI_STATUS_NAMES[status] ?? 'Unknown HCI status'} (0x${status.toString(16).padStart(2, '0')})`;
  return new NobleError(status === HciStatus.CONNECTION_LIMIT_EXCEEDED ? 'connection-limit' : 'hci-status', text, status);
}

/** What noble's connect callback (or a throw from noble.connect) meant. */
export function connectError(error: unknown): NobleError {
  if (error instanceof NobleError) return error;
  const message = error instanceof Error ? error.message : String(error);
  // bindings.js: `${STATUS_MAPPER[status] || 'HCI Error: Unknown'} (0x${status.toString(16)})`
  const hci = /\(0x([0-9a-f]{1,2})\)$/i.exec(message);
  if (hci) return hciStatusError(parseInt(hci[1]!, 16));
  const off = /^Cannot connect while adapter state is (\w+)/.exec(message);
  if (off) return new NobleError('adapter-not-on', `the adapter is ${off[1]}, not on`);
  if (message === 'connection canceled!' || message === 'cleanup') return new NobleError('canceled', 'connection attempt canceled');
  if (message === 'Peripheral already connected') return new NobleError('already-connected', 'already connected');
  return new NobleError('other', message || 'no reason given');
}

/** What a peripheral's 'disconnect' reason meant. */
export function disconnectReason(reason: unknown): NobleError {
  if (typeof reason === 'number' && Number.isInteger(reason) && reason >= 0 && reason <= 0xff) return hciStatusError(reason);
  return new NobleError('other', reason === undefined || reason === null || reason === '' ? 'no reason given' : String(reason));
}
