// A noble that does nothing but report the adapter states a test tells it to: for the hub's
// answers to an adapter that is off, unsupported or not allowed.
import { EventEmitter } from 'node:events';
import type { Noble } from '@stoprocent/noble';

export interface StateOnlyNoble {
  noble: Noble;
  /** Sets the state and emits noble's stateChange, as a real adapter would. */
  become(state: string): void;
}

export function stateOnlyNoble(): StateOnlyNoble {
  const fake = Object.assign(new EventEmitter(), {
    state: 'unknown',
    stop: () => {},
    stopScanning: () => {},
    startScanning: () => {},
    startScanningAsync: async () => {},
    stopScanningAsync: async () => {},
  });
  return {
    noble: fake as unknown as Noble,
    become: (state) => {
      fake.state = state;
      fake.emit('stateChange', state);
    },
  };
}
