// N virtual Picos on one radio, each running the same firmware folder.
import { join } from 'node:path';
import { Radio } from '../radio/radio.ts';
import { VirtualPico } from './board.ts';
import { readFirmware } from '../resources/firmware-folder.ts';
import { withConfig } from './firmware-files.ts';

export interface SimOptions {
  picos: number;
  firmwareDir: string;
  radio?: Radio;
  heapBytes?: number;
  /** Modules frozen into every board's firmware (see pico/packages loadFrozenPackages, readLibFolders). */
  frozen?: Record<string, Uint8Array>;
  /** Names are `${prefix}${i}`, 1-based. */
  prefix?: string;
  /** Gives each board a USB serial port with MicroPython's REPL, a pseudo-terminal DIR/<name>. */
  replPtyDir?: string;
  /** Boards in groups, each with its own firmware folder, named on from 1 (replaces picos and firmwareDir). */
  groups?: { count: number; firmwareDir: string }[];
  /** Boards start with an empty filesystem, as a Pico W just flashed with MicroPython's UF2. */
  blank?: boolean;
}

export class Sim {
  readonly radio: Radio;
  readonly picos: VirtualPico[] = [];
  private readonly ownsRadio: boolean;

  constructor(private readonly options: SimOptions) {
    this.ownsRadio = !options.radio;
    this.radio = options.radio ?? new Radio();
    const groups = options.groups ?? [{ count: options.picos, firmwareDir: options.firmwareDir }];
    const plan = groups.flatMap((g) => {
      const files = readFirmware(g.firmwareDir);
      return Array.from({ length: g.count }, () => files);
    });
    for (let i = 1; i <= plan.length; i++) {
      const files = plan[i - 1]!;
      const name = `${options.prefix ?? 'pico'}${i}`;
      this.picos.push(
        new VirtualPico(this.radio, {
          name,
          // Each board advertises its own name, so a central can tell them apart.
          files: options.blank ? {} : withConfig(files, { NAME: name }),
          // Spread along a line a metre apart, so RSSI differs a little between boards.
          position: { x: i, y: 1 },
          ...(options.heapBytes ? { heapBytes: options.heapBytes } : {}),
          ...(options.frozen ? { frozen: options.frozen } : {}),
          // ... and its filesystem in DIR/<name>.fs, kept across soft resets, power cycles and runs.
          ...(options.replPtyDir ? { usb: { ptyPath: join(options.replPtyDir, name) }, fsDir: join(options.replPtyDir, `${name}.fs`) } : {}),
        }),
      );
    }
  }

  async start(): Promise<void> {
    await Promise.all(this.picos.map((p) => p.powerOn()));
  }

  get(name: string): VirtualPico {
    const p = this.picos.find((x) => x.name === name);
    if (!p) throw new Error(`no Pico named ${JSON.stringify(name)} (have: ${this.picos.map((x) => x.name).join(', ')})`);
    return p;
  }

  async close(): Promise<void> {
    await Promise.all(this.picos.map((p) => p.close()));
    if (this.ownsRadio) await this.radio.close();
  }
}
