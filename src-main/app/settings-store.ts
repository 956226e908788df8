// The user's settings (ping rate, adapter, theme) in `settings.json` in the app data folder.
// Like the paired list, a damaged file never stops the app: it is set aside with a warning and
// the defaults apply, because losing a theme choice is better than not starting.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_SETTINGS, settingsSchema, type Settings } from '../ipc/contract.ts';
import { writeFileAtomic } from '../hub/store/atomic-write.ts';
import { setAside } from '../hub/store/set-aside.ts';

export const SETTINGS_FILE = 'settings.json';
const VERSION = 1;

// Keys may be missing (a file from before a setting existed): those take the default. A key
// that is present but wrong means the file is not what we wrote, so it is treated as damaged.
const fileSchema = settingsSchema.partial().extend({ version: z.literal(VERSION) });

export class SettingsStore {
  private current: Settings;
  // Saves run one after another, so the file ends up with the last settings asked for.
  private saving: Promise<void> = Promise.resolve();

  private constructor(
    readonly file: string,
    settings: Settings,
  ) {
    this.current = settings;
  }

  /** Reads `dir/settings.json`. Missing: defaults. Damaged: set aside, defaults, and a warning. */
  static load(dir: string): { store: SettingsStore; warning?: string } {
    const file = path.join(dir, SETTINGS_FILE);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      if (e.code === 'ENOENT') return { store: new SettingsStore(file, { ...DEFAULT_SETTINGS }) };
      return SettingsStore.damaged(file, `could not be read (${e.code ?? e.message})`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return SettingsStore.damaged(file, 'is not valid JSON');
    }
    const parsed = fileSchema.safeParse(json);
    if (!parsed.success) {
      const version = (json as { version?: unknown } | null)?.version;
      const why =
        typeof version === 'number' && version > VERSION
          ? `was written by a newer PicoLink (format version ${version}; this one reads version ${VERSION})`
          : `does not have the expected contents (${z.prettifyError(parsed.error).replace(/\n/g, ' ')})`;
      return SettingsStore.damaged(file, why);
    }
    const { version: _version, ...stored } = parsed.data;
    return { store: new SettingsStore(file, { ...DEFAULT_SETTINGS, ...stored }) };
  }

  private static damaged(file: string, why: string): { store: SettingsStore; warning: string } {
    let warning: string;
    try {
      const aside = setAside(file);
      warning = `The settings file ${file} ${why}; it was moved to ${aside} and the default settings apply.`;
    } catch (error) {
      warning = `The settings file ${file} ${why}, and moving it aside failed (${(error as Error).message}); the default settings apply and the next change replaces that file.`;
    }
    return { store: new SettingsStore(file, { ...DEFAULT_SETTINGS }), warning };
  }

  get(): Settings {
    return structuredClone(this.current);
  }

  /**
   * Merges `patch`, validates the result (throws on a bad value, keeping the old settings) and
   * saves it. The new settings become current only once they are on disk: a failed save (a
   * full disk) rejects with FileSaveError and leaves memory and file as they were.
   */
  async update(patch: Partial<Settings>): Promise<Settings> {
    // Checked now too, so a bad value is refused at once rather than after the saves ahead of it.
    settingsSchema.parse({ ...this.current, ...patch });
    const turn = this.saving.then(async () => {
      // Merged when its turn comes, onto what the saves before it left: concurrent changes all count.
      const next = settingsSchema.parse({ ...this.current, ...patch });
      await writeFileAtomic(this.file, JSON.stringify({ version: VERSION, ...next }, null, 2) + '\n');
      this.current = next;
      return next;
    });
    // A failed save must not poison the next one; the caller still sees this one's error.
    this.saving = turn.then(
      () => {},
      () => {},
    );
    return structuredClone(await turn);
  }
}
