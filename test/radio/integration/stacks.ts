// Real host stacks on the virtual radio: noble (central) in this process, bleno (peripheral) in
// a child process, each attached over its own pty exactly as to a UART HCI dongle.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { withBindings, type Noble } from '@stoprocent/noble';
import { Radio, type NodeSpec } from '../../../src-main/radio/radio.ts';

export const SERVICE = '5049434f4c494e4b0000000000000001';
export const CHAR = '5049434f4c494e4b0000000000000002';
const FIXTURE = fileURLToPath(new URL('../../fixtures/bleno-peripheral.cjs', import.meta.url));

export interface PeripheralMessage {
  event: string;
  [k: string]: unknown;
}

export class BlenoPeripheral {
  readonly messages: PeripheralMessage[] = [];
  private waiters: { match: (m: PeripheralMessage) => boolean; resolve: (m: PeripheralMessage) => void }[] = [];
  private readonly child: ChildProcessWithoutNullStreams;
  stderr = '';

  constructor(port: string, name: string) {
    this.child = spawn(process.execPath, [FIXTURE, port, name], { stdio: 'pipe' });
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      let m: PeripheralMessage;
      try {
        m = JSON.parse(line) as PeripheralMessage;
      } catch {
        return;
      }
      this.messages.push(m);
      this.waiters = this.waiters.filter((w) => (w.match(m) ? (w.resolve(m), false) : true));
    });
  }

  waitFor(event: string, timeoutMs = 10_000, match: (m: PeripheralMessage) => boolean = () => true): Promise<PeripheralMessage> {
    const seen = this.messages.find((m) => m.event === event && match(m));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`bleno: no '${event}' in ${timeoutMs} ms; stderr: ${this.stderr}`)), timeoutMs);
      this.waiters.push({
        match: (m) => m.event === event && match(m),
        resolve: (m) => (clearTimeout(timer), resolve(m)),
      });
    });
  }

  send(msg: object): void {
    this.child.stdin.write(JSON.stringify(msg) + '\n');
  }

  stop(): void {
    this.child.kill('SIGKILL');
  }
}

export interface StackBench {
  radio: Radio;
  dir: string;
  ports: Record<string, string>;
  close(): void;
}

export function startRadio(nodes: NodeSpec[]): StackBench {
  const dir = mkdtempSync(path.join(tmpdir(), 'picolink-'));
  const radio = new Radio();
  const ports: Record<string, string> = {};
  for (const spec of nodes) {
    const node = radio.addNode(spec);
    ports[node.name] = path.join(dir, node.name);
    radio.attachPty(node.name, ports[node.name]!);
  }
  return {
    radio,
    dir,
    ports,
    close() {
      radio.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function nobleOn(port: string): Noble {
  return withBindings('hci', { hciDriver: 'uart', bindParams: { uart: { port } } } as Parameters<typeof withBindings>[1]);
}
