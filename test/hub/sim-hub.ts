// A hub on the virtual radio: N virtual Picos running the real firmware, virtual adapters, real
// noble over in-process HCI, a paired list in a temporary folder. Every wait has a deadline.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSimulation, type Simulation, type SimulationOptions } from '../../src-main/sim/simulation.ts';
import { Hub, type HubOptions } from '../../src-main/hub/hub.ts';
import { PairedDevices } from '../../src-main/hub/store/paired-devices.ts';

export interface SimHub {
  hub: Hub;
  simulation: Simulation;
  paired: PairedDevices;
  dir: string;
  close(): Promise<void>;
}

export async function startSimHub(sim: SimulationOptions, hubOptions: Partial<HubOptions> = {}, pairAll = true): Promise<SimHub> {
  const dir = mkdtempSync(path.join(tmpdir(), 'picolink-hub-'));
  const simulation = createSimulation(sim);
  const { store: paired } = PairedDevices.load(path.join(dir, 'paired.json'));
  const hub = new Hub({ adapters: simulation.adapters, paired, ...hubOptions });
  await simulation.start();
  hub.start();
  if (pairAll) for (const a of simulation.addresses) await hub.pair(a);
  return {
    hub,
    simulation,
    paired,
    dir,
    close: async () => {
      await hub.stop();
      await simulation.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function linkedCount(hub: Hub): number {
  return hub.status().filter((d) => d.state === 'linked').length;
}

/** What `who` has sent the hub so far, oldest first: `{ text }` for a text, `{ hex }` for data. */
export function inbound(hub: Hub, who: string): ({ text: string } | { hex: string })[] {
  return hub
    .history(who)
    .filter((m) => m.direction === 'in')
    .map((m) => (m.message.kind === 'text' ? { text: m.message.text } : { hex: Buffer.from(m.message.bytes).toString('hex') }));
}
