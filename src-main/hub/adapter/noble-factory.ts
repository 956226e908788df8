// One noble instance per adapter, with the bindings the spec names. noble's own module instance
// binds the OS default at import; withBindings gives each adapter its own.
import { createRequire } from 'node:module';
import type { Noble } from '@stoprocent/noble';
import type { AdapterSpec } from './adapter-spec.ts';
import { hardenNoble } from './noble-hardening.ts';
import { keepSigintFromNoble } from './noble-signals.ts';
import { serialIoOnLoop } from './serial-io.ts';

type WithBindings = (kind: string, options?: object) => Noble;

export function createNoble(spec: AdapterSpec): Noble {
  if (spec.kind !== 'dbus') {
    hardenNoble();
    keepSigintFromNoble();
  }
  const require = createRequire(import.meta.url);
  const { withBindings } = require('@stoprocent/noble') as { withBindings: WithBindings };
  switch (spec.kind) {
    case 'default':
      return withBindings('default');
    case 'hci':
      return withBindings('hci', { deviceId: spec.deviceId });
    case 'uart':
      serialIoOnLoop();
      return withBindings('hci', { hciDriver: 'uart', bindParams: { uart: { port: spec.port, ...(spec.baudRate ? { baudRate: spec.baudRate } : {}) } } });
    case 'dbus':
      try {
        require.resolve('dbus-next');
      } catch {
        throw new Error('BlueZ over D-Bus needs the optional package dbus-next: npm install dbus-next');
      }
      return withBindings('dbus', spec.adapter ? { adapterId: spec.adapter } : {});
  }
}
