// An adapter's condition as a typed code and the data a front end needs to word its advice. The
// hub decides what is wrong; the CLI (cli/adapter-advice.ts) and the dashboard
// (src-renderer/src/lib/adapter-advice.ts) each say what to do about it in their own terms (a
// flag, a setting), so no front end rewrites another's prose.

/** noble's adapter states (its `stateChange`), typed by noble-errors.ts powerOf. */
export type AdapterPower = 'unknown' | 'resetting' | 'unsupported' | 'unauthorized' | 'poweredOff' | 'poweredOn';

export const ADAPTER_POWERS: readonly AdapterPower[] = ['unknown', 'resetting', 'unsupported', 'unauthorized', 'poweredOff', 'poweredOn'];

/** How the adapter is reached: a serial port and the simulator fail in their own ways. */
export type AdapterTransport = { kind: 'os' } | { kind: 'uart'; port: string; baudRate: number | null } | { kind: 'sim' };

/** The platforms whose advice differs (how to turn Bluetooth on, how to allow access). */
export type HostPlatform = 'linux' | 'darwin' | 'windows' | 'other';

export interface HostInfo {
  platform: HostPlatform;
  /** The running executable (node, or the app's Electron binary): the file the Linux capabilities go on. */
  execPath: string;
}

export type AdapterStatus =
  | { code: 'powered-on'; hint: Record<string, never> }
  /** Not reported yet: noble is still opening it. */
  | { code: 'unknown'; hint: Record<string, never> }
  | { code: 'resetting'; hint: Record<string, never> }
  /** The OS's Bluetooth is off: the way to turn it on depends on the platform. */
  | { code: 'powered-off'; hint: { platform: HostPlatform } }
  /** A virtual adapter the simulator powered off; it comes back by itself. */
  | { code: 'sim-off'; hint: Record<string, never> }
  /** A serial port that opened (or not) but where no HCI controller answers: noble says poweredOff. */
  | { code: 'no-controller'; hint: { port: string; baudRate: number | null } }
  /** Not allowed to use the adapter; on Linux the fix is a command (setcap on this executable). */
  | { code: 'unauthorized'; hint: { platform: HostPlatform; setcap: string | null } }
  /** No Bluetooth Low Energy, or no adapter at all. */
  | { code: 'unsupported'; hint: Record<string, never> }
  /** The serial port named for a UART adapter does not exist. */
  | { code: 'port-missing'; hint: { port: string } }
  /** The adapter could not be opened at all (noble threw, an optional package is missing...). */
  | { code: 'start-failed'; hint: { cause: string } };

export type AdapterCode = AdapterStatus['code'];

export const ADAPTER_CODES: readonly AdapterCode[] = [
  'powered-on',
  'unknown',
  'resetting',
  'powered-off',
  'sim-off',
  'no-controller',
  'unauthorized',
  'unsupported',
  'port-missing',
  'start-failed',
];

const NONE: Record<string, never> = {};

export function hostPlatform(platform: NodeJS.Platform): HostPlatform {
  return platform === 'linux' ? 'linux' : platform === 'darwin' ? 'darwin' : platform === 'win32' ? 'windows' : 'other';
}

export const THIS_HOST: HostInfo = { platform: hostPlatform(process.platform), execPath: process.execPath };

/** What noble's power state means for this adapter, on this host. */
export function adapterStatus(power: AdapterPower, transport: AdapterTransport, host: HostInfo = THIS_HOST): AdapterStatus {
  switch (power) {
    case 'poweredOn':
      return { code: 'powered-on', hint: NONE };
    case 'unknown':
      return { code: 'unknown', hint: NONE };
    case 'resetting':
      return { code: 'resetting', hint: NONE };
    case 'poweredOff':
      // noble's UART driver reports a port it cannot open, or a controller that never answers, as off.
      if (transport.kind === 'sim') return { code: 'sim-off', hint: NONE };
      if (transport.kind === 'uart') return { code: 'no-controller', hint: { port: transport.port, baudRate: transport.baudRate } };
      return { code: 'powered-off', hint: { platform: host.platform } };
    case 'unauthorized':
      return { code: 'unauthorized', hint: { platform: host.platform, setcap: host.platform === 'linux' ? setcapCommand(host.execPath) : null } };
    case 'unsupported':
      return { code: 'unsupported', hint: NONE };
  }
}

/**
 * Raw HCI sockets need CAP_NET_RAW and CAP_NET_ADMIN on the executable that opens them: this
 * process's own (Node's execPath is its real path on Linux, which setcap needs), not whichever
 * `node` comes first on the PATH, nor the Electron binary's launcher script.
 */
export function setcapCommand(execPath: string): string {
  return `sudo setcap cap_net_raw,cap_net_admin+eip ${shellQuote(execPath)}`;
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The condition in a few words, with no advice: a link's reason when its adapter goes, the
 * app's notices. Advice, which differs per front end, is theirs to add.
 */
export function adapterStatusLabel(adapter: string, s: AdapterStatus): string {
  switch (s.code) {
    case 'powered-on':
      return `${adapter} is on`;
    case 'unknown':
      return `${adapter}: waiting for the adapter`;
    case 'resetting':
      return `${adapter} is resetting`;
    case 'powered-off':
      return `Bluetooth is off on ${adapter}`;
    case 'sim-off':
      return `The virtual adapter ${adapter} is off`;
    case 'no-controller':
      return `No HCI controller answers on ${adapter}`;
    case 'unauthorized':
      return `Not allowed to use ${adapter}`;
    case 'unsupported':
      return `${adapter} has no Bluetooth Low Energy (or was not found)`;
    case 'port-missing':
      return `The serial port ${s.hint.port} does not exist`;
    case 'start-failed':
      return `${adapter} could not be started: ${s.hint.cause}`;
  }
}
