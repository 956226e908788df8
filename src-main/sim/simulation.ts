// `--sim N`: N virtual Picos running firmware/ on the virtual radio, and as many virtual adapters
// as their connection limit needs, each attached to its own noble through HCI in process, exactly
// as noble drives a UART dongle.
import { Sim } from '../pico/sim.ts';
import { Radio } from '../radio/radio.ts';
import { nobleInProcess } from '../radio/transport/noble-in-process.ts';
import { resourcePaths } from '../resources/resource-paths.ts';
import { Adapter } from '../hub/adapter/adapter.ts';
import { hardenNoble } from '../hub/adapter/noble-hardening.ts';
import { keepSigintFromNoble } from '../hub/adapter/noble-signals.ts';

/** A laptop controller's usual limit (controller/options.ts LAPTOP_ADAPTER). */
export const SIM_ADAPTER_LIMIT = 7;

export const DEFAULT_FIRMWARE_DIR = resourcePaths().firmwareDir;

export interface SimulationOptions {
  picos: number;
  firmwareDir?: string;
  /** Connections per virtual adapter. */
  adapterLimit?: number;
  /** Virtual adapters; default: enough for every Pico at adapterLimit each. */
  adapters?: number;
  /** Tell the hub each adapter's limit (default), or let it learn it from refusals as with real dongles. */
  announceLimit?: boolean;
  heapBytes?: number;
  /** Modules frozen into every Pico's firmware (pico/packages). */
  frozen?: Record<string, Uint8Array>;
  /** Boards in groups, each running its own firmware folder (replaces picos and firmwareDir). */
  groups?: { count: number; firmwareDir: string }[];
  /** Gives each board a USB serial REPL, a pseudo-terminal DIR/picoN (pico/sim.ts). */
  replPtyDir?: string;
}

export interface Simulation {
  radio: Radio;
  sim: Sim;
  adapters: Adapter[];
  /** Addresses of the Picos, as the hub sees them (lower case). */
  addresses: string[];
  /** Powers the Picos on and waits for them to boot. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export function createSimulation(options: SimulationOptions): Simulation {
  const limit = options.adapterLimit ?? SIM_ADAPTER_LIMIT;
  const picos = options.groups ? options.groups.reduce((n, g) => n + g.count, 0) : options.picos;
  const count = options.adapters ?? Math.max(1, Math.ceil(picos / limit));
  const radio = new Radio();
  const adapters: Adapter[] = [];
  hardenNoble();
  keepSigintFromNoble();
  for (let i = 0; i < count; i++) {
    const node = radio.addNode({ name: `sim-hci${i}`, maxConnections: limit });
    const noble = nobleInProcess(radio.attachInProcess(node.name));
    adapters.push(new Adapter(node.name, noble, { transport: { kind: 'sim' }, ...(options.announceLimit === false ? {} : { maxConnections: limit }) }));
  }
  const sim = new Sim({
    picos: options.picos,
    firmwareDir: options.firmwareDir ?? DEFAULT_FIRMWARE_DIR,
    radio,
    ...(options.heapBytes ? { heapBytes: options.heapBytes } : {}),
    ...(options.frozen ? { frozen: options.frozen } : {}),
    ...(options.groups ? { groups: options.groups } : {}),
    ...(options.replPtyDir ? { replPtyDir: options.replPtyDir } : {}),
  });
  const addresses = sim.picos.map((p) => p.node.controller.options.address.toLowerCase());
  return {
    radio,
    sim,
    adapters,
    addresses,
    start: () => sim.start(),
    close: async () => {
      await sim.close();
      await radio.close();
    },
  };
}
