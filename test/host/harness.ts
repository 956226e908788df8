// Test harness for BleHost: virtual Pico W nodes on a real-clock radio, each with a BleHost
// attached in process, and promise helpers (tests only) that wait for IRQs with a timeout.
import { BleHost, IRQ, type IrqValue, type Uuid } from '../../src-main/host/ble-host.ts';
import { realClock } from '../../src-main/hci/clock.ts';
import { PICO_W_CONTROLLER } from '../../src-main/radio/controller/options.ts';
import { Radio } from '../../src-main/radio/radio.ts';

export interface IrqRecord {
  code: number;
  data: IrqValue[];
}

export const NAME: Record<number, string> = Object.fromEntries(Object.entries(IRQ).map(([k, v]) => [v, k]));

export class Node {
  readonly host: BleHost;
  readonly irqs: IrqRecord[] = [];
  readonly logs: string[] = [];
  private cursor = 0;
  private waiters: (() => void)[] = [];

  constructor(
    readonly radio: Radio,
    readonly name: string,
  ) {
    this.host = new BleHost(radio.attachInProcess(name), realClock, { name });
    this.host.on('irq', (code, data) => {
      this.irqs.push({ code, data });
      for (const w of [...this.waiters]) w();
    });
    this.host.on('log', (m) => this.logs.push(m));
  }

  activate(): Promise<void> {
    return new Promise((resolve, reject) => this.host.active(true, (err) => (err ? reject(err) : resolve())));
  }

  deactivate(): Promise<void> {
    return new Promise((resolve) => this.host.active(false, () => resolve()));
  }

  /** The address others connect to: (addr_type, addr) as config('mac') gives it. */
  get mac(): [number, Uint8Array] {
    return this.host.config('mac') as [number, Uint8Array];
  }

  /** Skips everything recorded so far: the next wait only sees IRQs raised after this. */
  mark(): void {
    this.cursor = this.irqs.length;
  }

  /** IRQs since the last mark (or wait), without consuming them. */
  pending(): IrqRecord[] {
    return this.irqs.slice(this.cursor);
  }

  /** Resolves with the data of the next IRQ `code` after the cursor (matching `match`), and moves the cursor past it. */
  waitIrq(code: number, match: (data: IrqValue[]) => boolean = () => true, timeoutMs = 5000): Promise<IrqValue[]> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        for (let i = this.cursor; i < this.irqs.length; i++) {
          const r = this.irqs[i]!;
          if (r.code === code && match(r.data)) {
            this.cursor = i + 1;
            resolve(r.data);
            return true;
          }
        }
        return false;
      };
      if (check()) return;
      const waiter = (): void => {
        if (!check()) return;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== waiter);
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        const seen = this.irqs.slice(this.cursor).map((r) => NAME[r.code] ?? r.code);
        reject(new Error(`${this.name}: no ${NAME[code]} in ${timeoutMs} ms; since cursor: ${seen.join(', ') || 'nothing'}; log: ${this.logs.slice(-5).join(' | ')}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }
}

export interface PicoBench {
  radio: Radio;
  nodes: Node[];
  close(): void;
}

/** Nodes configured as Pico W controllers, each with an active BleHost. */
export async function picoBench(names: string[], activate = true): Promise<PicoBench> {
  const radio = new Radio();
  for (const name of names) radio.addNode({ ...PICO_W_CONTROLLER, name });
  const nodes = names.map((n) => new Node(radio, n));
  if (activate) await Promise.all(nodes.map((n) => n.activate()));
  return {
    radio,
    nodes,
    close() {
      for (const n of nodes) n.host.close();
      radio.close();
    },
  };
}

/** Advertising data: flags and a complete local name. */
export function advPayload(name: string): Uint8Array {
  const n = new TextEncoder().encode(name);
  return Uint8Array.from([2, 0x01, 0x06, n.length + 1, 0x09, ...n]);
}

/** Central connects to advertising peripheral; returns both connection handles. */
export async function connect(central: Node, peripheral: Node, opts: { intervalUs?: number; scanDurationMs?: number } = {}): Promise<{ c: number; p: number }> {
  peripheral.host.gapAdvertise(20_000, advPayload(peripheral.name));
  const [type, addr] = peripheral.mac;
  central.host.gapConnect(type, addr, opts.scanDurationMs ?? 2000, opts.intervalUs ?? 7500, opts.intervalUs ?? 7500);
  const [c] = await central.waitIrq(IRQ.PERIPHERAL_CONNECT);
  const [p] = await peripheral.waitIrq(IRQ.CENTRAL_CONNECT);
  return { c: c as number, p: p as number };
}

export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (b: IrqValue | undefined): string => new TextDecoder().decode(b as Uint8Array);
export const uuidOf = (v: IrqValue | undefined): Uuid => v as Uuid;
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
