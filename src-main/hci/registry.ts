// Every command and event defined in this layer, for parsing what arrives and for the tests that
// round-trip each one.
import type { CommandDef } from './command.ts';
import * as baseband from './commands/baseband.ts';
import * as informational from './commands/informational.ts';
import * as advertising from './commands/le-advertising.ts';
import * as connection from './commands/le-connection.ts';
import * as extendedAdvertising from './commands/le-extended-advertising.ts';
import * as le from './commands/le-controller.ts';
import * as scanning from './commands/le-scanning.ts';
import * as security from './commands/le-security.ts';
import * as linkControl from './commands/link-control.ts';
import { eventParser } from './event.ts';
import * as E from './events.ts';
import * as L from './le-events.ts';

const isCommand = (v: unknown): v is CommandDef => typeof v === 'object' && v !== null && 'opcode' in v && 'params' in v;

export const ALL_COMMANDS: readonly CommandDef[] = [linkControl, baseband, informational, le, advertising, extendedAdvertising, scanning, connection, security].flatMap((m) =>
  Object.values(m).filter(isCommand),
);

export const ALL_EVENTS = [
  E.DisconnectionComplete,
  E.EncryptionChange,
  E.EncryptionChangeV2,
  E.ReadRemoteVersionInformationComplete,
  E.CommandComplete,
  E.CommandStatus,
  E.HardwareError,
  E.NumberOfCompletedPackets,
  E.DataBufferOverflow,
  E.EncryptionKeyRefreshComplete,
  L.LeConnectionComplete,
  L.LeAdvertisingReport,
  L.LeConnectionUpdateComplete,
  L.LeReadRemoteFeaturesComplete,
  L.LeLongTermKeyRequest,
  L.LeRemoteConnectionParameterRequest,
  L.LeDataLengthChange,
  L.LeReadLocalP256PublicKeyComplete,
  L.LeGenerateDhKeyComplete,
  L.LeEnhancedConnectionComplete,
  L.LePhyUpdateComplete,
  L.LeExtendedAdvertisingReport,
  L.LeScanTimeout,
  L.LeAdvertisingSetTerminated,
  L.LeScanRequestReceived,
] as const;

/** Any event, decoded and named by its spec name ('HCI_Disconnection_Complete'), or 'other'. */
export const parseEvent = eventParser(ALL_EVENTS);
export type ParsedEvent = ReturnType<typeof parseEvent>;
