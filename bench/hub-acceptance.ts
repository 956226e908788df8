// The hub's headline acceptance run, as a user would type it:
//   npx picolink hub --sim 8 --duration 60 --export out.csv
// then reads the CSV and prints, per device, the samples it holds against those expected
// (duration x ping rate) and the loss; the run passes at >= 95% of expected and < 0.1% loss.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const PICOS = Number(process.env.HUB_ACCEPT_PICOS ?? 8);
const SECONDS = Number(process.env.HUB_ACCEPT_SECONDS ?? 60);
const HZ = 10;
const dir = mkdtempSync(path.join(tmpdir(), 'picolink-accept-'));
const out = path.join(dir, 'out.csv');
const args = ['hub', '--sim', String(PICOS), '--duration', String(SECONDS), '--export', out, '--home', dir];
console.log(`npx picolink ${args.join(' ')}`);
const code = await new Promise<number | null>((resolve) => {
  // Standard input a pipe from this process: the hub stops when it closes, so it never outlives the bench.
  const child = spawn(process.execPath, [path.join(import.meta.dirname, '..', 'bin', 'picolink.js'), ...args], { stdio: ['pipe', 'ignore', 'inherit'] });
  child.on('exit', resolve);
});
if (code !== 0) throw new Error(`picolink hub exited with ${code}`);
const rows = readFileSync(out, 'utf8').trim().split(/\r?\n/).slice(1);
const per = new Map<string, { name: string; answered: number; lost: number }>();
for (const row of rows) {
  if (!row.startsWith('sample,')) continue;
  const [, , device, name, , , , , , lost] = row.split(',');
  const d = per.get(device!) ?? { name: name!, answered: 0, lost: 0 };
  if (lost === '1') d.lost++;
  else d.answered++;
  per.set(device!, d);
}
const expected = SECONDS * HZ;
let pass = per.size === PICOS;
for (const [device, d] of [...per].sort((a, b) => a[1].name.localeCompare(b[1].name, 'en', { numeric: true }))) {
  const share = (d.answered / expected) * 100;
  const loss = (d.lost / (d.answered + d.lost)) * 100;
  pass &&= share >= 95 && loss < 0.1;
  console.log(`${d.name.padEnd(7)} ${device}  samples ${d.answered}/${expected} expected (${share.toFixed(1)}%)  lost ${d.lost} (${loss.toFixed(3)}%)`);
}
console.log(`acceptance: ${per.size}/${PICOS} devices in the CSV; ${pass ? 'PASS' : 'FAIL'} (>= 95% of expected samples, < 0.1% loss, each device)`);
rmSync(dir, { recursive: true, force: true });
if (!pass) process.exitCode = 1;
