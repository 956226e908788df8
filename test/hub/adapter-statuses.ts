// Every adapter code, with the hint variants its advice depends on: for the tests of each front
// end's wording and of the contract that carries them.
import { setcapCommand, type AdapterStatus } from '../../src-main/hub/adapter/adapter-state.ts';

/** Every code with a hint, as tests of the front ends need them. */
export const EVERY_STATUS: AdapterStatus[] = [
  { code: 'powered-on', hint: {} },
  { code: 'unknown', hint: {} },
  { code: 'resetting', hint: {} },
  { code: 'powered-off', hint: { platform: 'linux' } },
  { code: 'powered-off', hint: { platform: 'windows' } },
  { code: 'sim-off', hint: {} },
  { code: 'no-controller', hint: { port: '/dev/ttyACM0', baudRate: null } },
  { code: 'no-controller', hint: { port: 'COM3', baudRate: 1_000_000 } },
  { code: 'unauthorized', hint: { platform: 'linux', setcap: setcapCommand('/usr/bin/node') } },
  { code: 'unauthorized', hint: { platform: 'darwin', setcap: null } },
  { code: 'unauthorized', hint: { platform: 'windows', setcap: null } },
  { code: 'unsupported', hint: {} },
  { code: 'port-missing', hint: { port: '/dev/ttyUSB9' } },
  { code: 'start-failed', hint: { cause: 'BlueZ over D-Bus needs the optional package dbus-next' } },
];
