// What the procedures of one virtual controller share: its place on the air, its options, the
// events it sends its host, and each other. The Controller implements it; every procedure file
// (setup, advertising, scanning, initiating, connections, acl) sees the others through it.
import type { Air, AirNode } from '../air/air.ts';
import type { HciEvent } from '../../hci/packets.ts';
import type { AclData } from './acl.ts';
import type { Advertising } from './advertising.ts';
import type { ConnectionParameters } from './connection-parameters.ts';
import type { Connections } from './connections.ts';
import type { DataLengthUpdate } from './data-length.ts';
import type { Encryption } from './encryption.ts';
import type { ExtendedAdvertising } from './extended-advertising.ts';
import type { Initiating } from './initiating.ts';
import type { ControllerOptions } from './options.ts';
import type { PhyUpdate } from './phy.ts';
import type { Scanning } from './scanning.ts';
import type { Setup } from './setup.ts';

export type ControllerReport = 'transport-error' | 'protocol-error';

export interface ControllerCore extends AirNode {
  readonly air: Air;
  readonly options: ControllerOptions;
  readonly publicAddress: Uint8Array;
  readonly isPowered: boolean;
  /** Sends an event if the host's event masks allow it (Core 5.4 Vol 4 Part E 7.3.1, 7.8.1). */
  sendEvent(e: HciEvent): void;
  /** Tells whoever listens about bad input from the host; never throws. */
  report(kind: ControllerReport, message: string): void;
  /** Tells the radio (not the host) that a connection of this controller opened or closed. */
  announce(event: 'connection-opened', handle: number): void;
  announce(event: 'connection-closed', handle: number, reason: number): void;
  /** HCI_Reset and power loss: every procedure forgets what the host set. */
  clearHostState(): void;
  readonly setup: Setup;
  readonly advertising: Advertising;
  readonly extendedAdvertising: ExtendedAdvertising;
  readonly scanning: Scanning;
  readonly initiating: Initiating;
  readonly connections: Connections;
  readonly connectionParameters: ConnectionParameters;
  readonly phyUpdate: PhyUpdate;
  readonly dataLength: DataLengthUpdate;
  readonly encryption: Encryption;
  readonly acl: AclData;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** A device address with its type, as a map key: random or public (bit 0), then the octets. */
export function addrKey(type: number, address: Uint8Array): string {
  return `${type & 1}:${Buffer.from(address).toString('hex')}`;
}
