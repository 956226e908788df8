// The `.part` files exports are writing, listed in the app data folder, so that the ones a
// crash left behind (wherever the user exported to) are removed at the next start. Each entry
// names the process writing it: a part whose process is still alive (the CLI and the app may
// share a folder) is someone's export in progress and is left alone.
// The list is a convenience, never a reason to fail an export: it lives on the log's disk, which
// may be the full one while the export goes elsewhere, so every write of it is best effort.
import { readFile, unlink } from 'node:fs/promises';
import { z } from 'zod';
import { writeFileAtomic } from './atomic-write.ts';

export const EXPORT_PARTS_FILE = 'export-parts.json';

const fileSchema = z.object({
  version: z.literal(1),
  parts: z.array(z.object({ file: z.string(), pid: z.number().int() })),
});
type Entry = z.infer<typeof fileSchema>['parts'][number];

/** What exportLog needs: to say which part it starts and when it is done with it. */
export interface PartRegistry {
  add(part: string): Promise<void>;
  remove(part: string): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class ExportParts implements PartRegistry {
  // One change at a time within this process, each on the list the one before it left.
  private turn: Promise<void> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly isAlive: (pid: number) => boolean = alive,
  ) {}

  add(part: string): Promise<void> {
    return this.change((parts) => [...parts.filter((p) => p.file !== part), { file: part, pid: process.pid }]);
  }

  remove(part: string): Promise<void> {
    return this.change((parts) => parts.filter((p) => !(p.file === part && p.pid === process.pid)));
  }

  /** Deletes the parts listed by processes that are gone; resolves with the files it deleted. */
  async removeStale(): Promise<string[]> {
    const removed: string[] = [];
    await this.change(async (parts) => {
      const keep: Entry[] = [];
      for (const p of parts) {
        if (p.pid !== process.pid && this.isAlive(p.pid)) {
          keep.push(p);
          continue;
        }
        try {
          await unlink(p.file);
          removed.push(p.file);
        } catch (error) {
          // Already gone is fine; one we cannot delete now is tried again next time.
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') keep.push(p);
        }
      }
      return keep;
    });
    return removed;
  }

  private change(edit: (parts: Entry[]) => Entry[] | Promise<Entry[]>): Promise<void> {
    const run = this.turn.then(async () => {
      const before = await this.read();
      const after = await edit(before);
      if (after.length === 0 && before.length === 0) return;
      await writeFileAtomic(this.file, JSON.stringify({ version: 1, parts: after }) + '\n').catch(() => {});
    });
    this.turn = run.catch(() => {});
    return this.turn;
  }

  private async read(): Promise<Entry[]> {
    try {
      const parsed = fileSchema.safeParse(JSON.parse(await readFile(this.file, 'utf8')));
      // A damaged list only means fewer leftovers get cleaned; it is rewritten on the next change.
      return parsed.success ? parsed.data.parts : [];
    } catch {
      return [];
    }
  }
}
