// Every command and event defined in this layer, for parsing what arrives and for the tests that
// round-trip each one.
import type { CommandDef } from './command.ts';
import * as baseband from './commands/baseband.ts';
import * as informational from './commands/informational.ts';
import * as advertising from './commands/le-advertising.ts';
import * as connection from './commands/le-connection.ts';
import * as le from './commands/le-controller.ts';
import * as scanning from './commands/le-scanning.ts';
import * as linkControl from './commands/link-control.ts';
import { eventParser } from './event.ts';
import * as E from './events.ts';
import * as L from './le-events.ts';

const isCommand = (v: unknown): v is CommandDef => typeof v === 'object' && v !== null && 'opcode' in v && 'params' in v;

export const ALL_COMMANDS: readonly CommandDef[] = [linkControl, baseband, informational, le, advertising, scanning, connection].flatMap((m) =>
  Object.values(m).filter(isCommand),
);

export const ALL_EVENTS = [
  E.DisconnectionComplete,
  E.ReadRemoteVersionInformationComplete,
  E.CommandComplete,
  E.CommandStatus,
  E.HardwareError,
  E.NumberOfCompletedPackets,
  E.DataBufferOverflow,
  L.LeConnectionComplete,
  L.LeAdvertisingReport,
  L.LeConnectionUpdateComplete,
  L.LeReadRemoteFeaturesComplete,
  L.LeLongTermKeyRequest,
  L.LeDataLengthChange,
  L.LeEnhancedConnectionComplete,
  L.LeExtendedAdvertisingReport,
] as const;

/** Any event, decoded and named by its spec name ('HCI_Disconnection_Complete'), or 'other'. */
export const parseEvent = eventParser(ALL_EVENTS);
export type ParsedEvent = ReturnType<typeof parseEvent>;
