// The devices the user chose to remember, kept in `paired.json` in the app data folder.
// A damaged file never stops the app: it is set aside and reported, and the list starts empty.
import { z } from 'zod';
import { ADDRESS_PATTERN, normaliseAddress, requireAddress } from '../discovery/address.ts';
import type { Profile } from '../discovery/profile.ts';
import { loadVersionedJson, SaveQueue, saveVersionedJson, type VersionedJsonFile } from './versioned-json-file.ts';

export const PAIRED_FILE = 'paired.json';
/** The simulator's paired list is its own, so trying it never touches the real one. */
export const SIM_PAIRED_FILE = 'paired-sim.json';

const deviceSchema = z.object({
  address: z.string().regex(ADDRESS_PATTERN),
  name: z.string().nullable(),
  profile: z.enum(['picolink', 'tutorial', 'nus']).nullable(),
  addedAt: z.iso.datetime(),
});

const VERSION = 1;
const FILE: VersionedJsonFile<{ version: number; devices: PairedDevice[] }> = {
  label: 'paired devices file',
  fallback: 'the list of paired devices starts empty',
  version: VERSION,
  schema: z.object({ version: z.literal(VERSION), devices: z.array(deviceSchema) }),
};

export type PairedDevice = z.infer<typeof deviceSchema>;
// Keeps the schema's enum and the discovery module's Profile from drifting apart.
const _profileMatches: [PairedDevice['profile'], Profile | null] extends [Profile | null, PairedDevice['profile']] ? true : never = true;

export type NewPairedDevice = Omit<PairedDevice, 'addedAt'> & { addedAt?: string };

export class PairedDevices {
  private devices = new Map<string, PairedDevice>();
  // Changes run one after another, each applied to the list the ones before it left.
  private readonly saves = new SaveQueue();

  private constructor(readonly file: string, devices: readonly PairedDevice[]) {
    for (const d of devices) this.devices.set(d.address, d);
  }

  /**
   * Reads `file`. Missing: an empty list. Unreadable, not JSON or not the expected shape: the
   * file is renamed to `<file>.corrupt-<timestamp>`, the list starts empty and `warning` says
   * what happened. Never throws for the file's contents.
   */
  static load(file: string): { store: PairedDevices; warning?: string } {
    const { contents, warning } = loadVersionedJson(file, FILE);
    const store = new PairedDevices(file, contents?.devices ?? []);
    return warning ? { store, warning } : { store };
  }

  list(): PairedDevice[] {
    return [...this.devices.values()];
  }

  has(address: string): boolean {
    const a = normaliseAddress(address);
    return a !== null && this.devices.has(a);
  }

  /**
   * Devices matching `nameOrAddress`: the one with that address (any case); otherwise those
   * with exactly that name; otherwise those whose name matches ignoring case. More than one
   * entry means the name is ambiguous, which the caller reports.
   */
  find(nameOrAddress: string): PairedDevice[] {
    const q = nameOrAddress.trim();
    const address = normaliseAddress(q);
    const byAddress = address === null ? undefined : this.devices.get(address);
    if (byAddress) return [byAddress];
    const all = this.list();
    const exact = all.filter((d) => d.name === q);
    if (exact.length > 0) return exact;
    const lower = q.toLowerCase();
    return all.filter((d) => d.name?.toLowerCase() === lower);
  }

  /** Remembers a device, or updates the name and profile of one already remembered (keeping its addedAt). */
  async add(device: NewPairedDevice): Promise<void> {
    const address = requireAddress(device.address);
    await this.change((devices) => {
      const old = devices.get(address);
      const record = deviceSchema.parse({
        address,
        name: device.name,
        profile: device.profile,
        addedAt: old?.addedAt ?? device.addedAt ?? new Date().toISOString(),
      });
      devices.set(address, record);
      return true;
    });
  }

  /** Forgets a device; resolves to whether it was remembered. */
  async remove(address: string): Promise<boolean> {
    const a = normaliseAddress(address);
    if (a === null) return false;
    return this.change((devices) => devices.delete(a));
  }

  /**
   * Applies `edit` to a copy of the list and saves the copy, which becomes the list only once it
   * is on disk: a failed save (a full disk) rejects with FileSaveError and changes nothing.
   */
  private change(edit: (devices: Map<string, PairedDevice>) => boolean): Promise<boolean> {
    return this.saves.run(async () => {
      const next = new Map(this.devices);
      if (!edit(next)) return false;
      await saveVersionedJson(this.file, VERSION, { devices: [...next.values()] });
      this.devices = next;
      return true;
    });
  }
}
