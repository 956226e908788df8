// `npm test`'s vitest part: the unit project, then the integration project and the processes
// project side by side, in two vitest runs. One vitest run keeps projects whose files go one at a
// time (fileParallelism: false) one after the other, so the two would not overlap; the
// processes files mostly wait on other processes, so beside the integration files they cost
// little. The processes run's output is held and printed after the integration run's, so neither
// is interleaved. Exits non-zero if any run failed; Ctrl-C or SIGTERM stops every run.
import { spawn } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
const extra = process.argv.slice(2);
const running = new Set();

function run(project, { hold }) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [vitest, 'run', '--project', project, ...extra], {
      cwd: root,
      detached: true, // its own process group, so a stop reaches what it started
      stdio: hold ? ['ignore', 'pipe', 'pipe'] : 'inherit',
      env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? (process.stdout.isTTY ? '1' : '0') },
    });
    running.add(child);
    const held = [];
    if (hold) {
      child.stdout.on('data', (b) => held.push(b));
      child.stderr.on('data', (b) => held.push(b));
    }
    child.on('close', (code, signal) => {
      running.delete(child);
      resolve({ project, ok: code === 0, code: code ?? signal, held: Buffer.concat(held) });
    });
  });
}

function stopAll(signal) {
  for (const c of running) {
    try {
      process.kill(-c.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  process.exit(signal === 'SIGINT' ? 130 : 143);
}
process.on('SIGINT', () => stopAll('SIGINT'));
process.on('SIGTERM', () => stopAll('SIGTERM'));
process.on('SIGHUP', () => stopAll('SIGTERM'));

const results = [await run('unit', { hold: false })];
const [integration, processes] = await Promise.all([run('integration', { hold: false }), run('processes', { hold: true })]);
process.stdout.write(`\n---- processes project (ran beside the integration project) ----\n`);
process.stdout.write(processes.held);
results.push(integration, processes);
const failed = results.filter((r) => !r.ok);
console.log(`\nvitest: ${results.map((r) => `${r.project} ${r.ok ? 'passed' : `FAILED (${r.code})`}`).join(', ')}`);
process.exit(failed.length ? 1 : 0);
