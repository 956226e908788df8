// The far side of the hub bench, in its own process so the hub's CPU figure is the hub's alone:
// N virtual Picos on a radio with K adapters, each adapter's HCI on a pty (as a UART dongle).
// Prints one JSON line {ptys, addresses} when the boards have booted; stops on SIGTERM, SIGHUP,
// SIGINT or when standard input (the bench's pipe) closes, so it never outlives the bench.
import path from 'node:path';
import { SIM_ADAPTER_LIMIT } from '../../src-main/sim/simulation.ts';
import { Sim } from '../../src-main/pico/sim.ts';
import { Radio } from '../../src-main/radio/radio.ts';

const [picos, adapters, dir] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]!];
const radio = new Radio();
const ptys: string[] = [];
for (let i = 0; i < adapters; i++) {
  const node = radio.addNode({ name: `bench-hci${i}`, maxConnections: SIM_ADAPTER_LIMIT });
  const p = path.join(dir, `hci${i}`);
  radio.attachPty(node.name, p);
  ptys.push(p);
}
const sim = new Sim({ picos, firmwareDir: path.resolve(import.meta.dirname, '../../firmware'), radio });
await sim.start();
const addresses = sim.picos.map((p) => p.node.controller.options.address.toLowerCase());
process.stdout.write(JSON.stringify({ ptys, addresses }) + '\n');
let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await sim.close();
  await radio.close();
  process.exit(0);
};
for (const signal of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) process.on(signal, () => void stop());
process.stdin.on('end', () => void stop());
process.stdin.resume();
