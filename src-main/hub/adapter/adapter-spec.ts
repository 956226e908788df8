// Which Bluetooth adapter(s) the hub drives, as the user names them on the command line or in
// settings: `default`, `hci:N`, `uart:/dev/ttyACM0[@baud]`, `dbus[:hciN]`.
import type { AdapterTransport } from './adapter-state.ts';

export type AdapterSpec =
  | { kind: 'default' }
  | { kind: 'hci'; deviceId: number }
  | { kind: 'uart'; port: string; baudRate?: number }
  | { kind: 'dbus'; adapter?: string };

export class AdapterSpecError extends Error {}

export function parseAdapterSpec(text: string): AdapterSpec {
  const s = text.trim();
  if (s === 'default' || s === 'system') return { kind: 'default' };
  const [kind, rest] = splitOnce(s, ':');
  switch (kind) {
    case 'hci': {
      const id = /^\d{1,3}$/.test(rest ?? '') ? Number(rest) : NaN;
      if (!Number.isInteger(id)) throw new AdapterSpecError(`"${s}": hci takes a device number, as in hci:0`);
      return { kind: 'hci', deviceId: id };
    }
    case 'uart': {
      if (!rest) throw new AdapterSpecError(`"${s}": uart takes a serial port, as in uart:/dev/ttyACM0 or uart:COM3@1000000`);
      const [port, baud] = splitOnce(rest, '@');
      if (baud === undefined) return { kind: 'uart', port: port! };
      const baudRate = /^\d{3,8}$/.test(baud) ? Number(baud) : NaN;
      if (!Number.isInteger(baudRate)) throw new AdapterSpecError(`"${s}": the baud rate after @ must be a number, as in uart:/dev/ttyACM0@1000000`);
      return { kind: 'uart', port: port!, baudRate };
    }
    case 'dbus':
      if (rest !== undefined && !/^hci\d{1,3}$/.test(rest)) throw new AdapterSpecError(`"${s}": dbus takes an optional BlueZ adapter, as in dbus:hci0`);
      return rest ? { kind: 'dbus', adapter: rest } : { kind: 'dbus' };
    default:
      throw new AdapterSpecError(`"${s}" is not an adapter: use default, hci:N, uart:PORT[@BAUD] or dbus[:hciN]`);
  }
}

export function describeAdapterSpec(spec: AdapterSpec): string {
  switch (spec.kind) {
    case 'default':
      return 'system adapter';
    case 'hci':
      return `hci${spec.deviceId}`;
    case 'uart':
      return `uart:${spec.port}${spec.baudRate ? `@${spec.baudRate}` : ''}`;
    case 'dbus':
      return `BlueZ ${spec.adapter ?? 'default adapter'}`;
  }
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

/** How an adapter named by `spec` is reached, for the advice its states need. */
export function transportOf(spec: AdapterSpec): AdapterTransport {
  return spec.kind === 'uart' ? { kind: 'uart', port: spec.port, baudRate: spec.baudRate ?? null } : { kind: 'os' };
}
