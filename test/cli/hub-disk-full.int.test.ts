// `picolink hub` whose app data folder is a real tmpfs that fills up mid-run (root only; the
// max_page_count tests in test/hub and test/app cover the same code elsewhere): the hub keeps
// linking, prints "Log disk full" once, writes everything when space returns and exits 0 with
// every sample in the log.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { canMountTmpfs, fillUp, mountTmpfs, unmount } from '../hub/tmpfs.ts';
import { cliFixture } from './cli-process.ts';

const { picolink } = cliFixture();
const canMount = canMountTmpfs();

interface Line {
  type: string;
  [k: string]: unknown;
}

describe.skipIf(!canMount)('picolink hub on a disk that fills', () => {
  it('keeps linking through ENOSPC, says so once, and logs every sample once space is back', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'picolink-cli-tmpfs-'));
    expect(mountTmpfs(home, '8m')).toBe(true);
    const cli = picolink('hub', '--sim', '1', '--ping-hz', '100', '--duration', '8', '--json', '--home', home);
    try {
      await cli.waitFor('stdout', '"type":"measuring"', 0, 30_000);
      const filler = path.join(home, 'filler');
      fillUp(filler);
      await cli.waitFor('stderr', 'Log disk full', 0, 10_000);
      await new Promise((r) => setTimeout(r, 2_000));
      rmSync(filler);
      await cli.waitFor('stdout', 'is written again', 0, 10_000);
      expect(await cli.exit(30_000)).toBe(0);

      const lines = cli.out.stdout.trim().split('\n').map((l) => JSON.parse(l) as Line);
      expect(lines.filter((l) => l.type === 'error' && /^Log disk full/.test(String(l.message)))).toHaveLength(1);
      expect(cli.out.stderr.match(/Log disk full/g)).toHaveLength(1);
      expect(lines.filter((l) => l.type === 'state' && l.state === 'linked')).toHaveLength(1);
      const summary = lines.find((l) => l.type === 'summary') as unknown as { devices: { count: number; lost: number }[] };
      const db = new Database(path.join(home, 'log.sqlite'), { readonly: true });
      try {
        const rows = db.prepare('SELECT count(*) FROM samples').pluck().get() as number;
        expect(rows).toBe(summary.devices[0]!.count + summary.devices[0]!.lost);
        expect(rows).toBeGreaterThan(500);
      } finally {
        db.close();
      }
    } finally {
      cli.kill();
      await cli.exit().catch(() => undefined);
      unmount(home);
      rmSync(home, { recursive: true, force: true });
    }
  }, 90_000);
});
