// The user's settings (ping rate, adapter, theme, log retention) in `settings.json` in the app
// data folder. Like the paired list, a damaged file never stops the app: it is set aside with a
// warning and the defaults apply, because losing a theme choice is better than not starting.
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_SETTINGS, settingsSchema, type Settings } from '../ipc/contract.ts';
import { loadVersionedJson, SaveQueue, saveVersionedJson, type VersionedJsonFile } from '../hub/store/versioned-json-file.ts';

export const SETTINGS_FILE = 'settings.json';
const VERSION = 1;

// Keys may be missing (a file from before a setting existed): those take the default. A key
// that is present but wrong means the file is not what we wrote, so it is treated as damaged.
const FILE: VersionedJsonFile<Partial<Settings>> = {
  label: 'settings file',
  fallback: 'the default settings apply',
  version: VERSION,
  schema: settingsSchema.partial().extend({ version: z.literal(VERSION) }),
};

export class SettingsStore {
  private current: Settings;
  // Saves run one after another, so the file ends up with the last settings asked for.
  private readonly saves = new SaveQueue();

  private constructor(
    readonly file: string,
    settings: Settings,
  ) {
    this.current = settings;
  }

  /** Reads `dir/settings.json`. Missing: defaults. Damaged: set aside, defaults, and a warning. */
  static load(dir: string): { store: SettingsStore; warning?: string } {
    const file = path.join(dir, SETTINGS_FILE);
    const { contents, warning } = loadVersionedJson(file, FILE);
    const { version: _version, ...stored } = (contents ?? {}) as Partial<Settings> & { version?: number };
    const store = new SettingsStore(file, { ...DEFAULT_SETTINGS, ...stored });
    return warning ? { store, warning } : { store };
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
    const next = await this.saves.run(async () => {
      // Merged when its turn comes, onto what the saves before it left: concurrent changes all count.
      const merged = settingsSchema.parse({ ...this.current, ...patch });
      await saveVersionedJson(this.file, VERSION, merged);
      this.current = merged;
      return merged;
    });
    return structuredClone(next);
  }
}
