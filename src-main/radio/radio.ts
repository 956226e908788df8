// The virtual radio: nodes (a controller each) on one Air, attached to hosts over a pty or in
// process, with the controls a test or the CLI needs: add and remove nodes, power, move, packet
// error rate, drop a connection, and btsnoop capture per node. Nothing here waits on I/O: pty writes
// queue for a host that reads slowly (pty-writer.ts), captures are written asynchronously and
// close() resolves once their tails are on disk.
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { Air, type AirOptions } from './air/air.ts';
import type { Position } from './air/path-loss.ts';
import { BtsnoopWriter } from './btsnoop.ts';
import { Controller, type ControllerEvent } from './controller/controller.ts';
import { LAPTOP_ADAPTER, type ControllerOptions } from './controller/options.ts';
import type { HostEnd } from '../hci/host-end.ts';
import { createInProcessPair } from './transport/in-process.ts';
import { PtyPort } from './transport/pty.ts';
import type { PtyWriterStats } from './transport/pty-writer.ts';

export interface NodeSpec extends Partial<ControllerOptions> {
  name?: string;
}

export interface RadioOptions extends AirOptions {
  /** Capture every node's HCI traffic: FILE becomes FILE-<node>.btsnoop beside it. */
  btsnoop?: string;
}

export interface RadioNode {
  readonly name: string;
  readonly controller: Controller;
  /** The path a host opens, for pty-attached nodes. */
  ptyPath?: string;
  btsnoopPath?: string;
  /** For pty-attached nodes: what waits for the host, and what was dropped because it did not read. */
  backlog?(): PtyWriterStats;
}

/** Trouble with a node's own I/O rather than with what its host sent. */
export interface NodeIoEvent {
  kind: 'host-not-reading' | 'host-reading' | 'capture-error';
  node: string;
  message: string;
}

/** What the radio reports on 'error': never thrown, the radio carries on. */
export type RadioReport = ControllerEvent | NodeIoEvent;

export interface RadioEvents {
  error: [RadioReport];
}

export class Radio extends EventEmitter<RadioEvents> {
  readonly air: Air;
  private readonly nodes = new Map<string, RadioNode & { close(): void }>();
  private serial = 0;
  /** Captures still writing their tails, for close() to wait on. */
  private readonly closing = new Set<Promise<void>>();

  constructor(private readonly options: RadioOptions = {}) {
    super();
    this.air = new Air(options);
  }

  addNode(spec: NodeSpec = {}): RadioNode {
    const n = ++this.serial;
    const name = spec.name ?? `hci${n - 1}`;
    // Names become file names (btsnoop captures), so keep them to a safe alphabet.
    if (!/^[A-Za-z0-9_.-]{1,32}$/.test(name) || name.startsWith('.')) {
      throw new Error(`node name ${JSON.stringify(name)} must be 1-32 letters, digits, '_', '-' or '.', not starting with '.'`);
    }
    if (this.nodes.has(name)) throw new Error(`a node named ${name} exists already`);
    const writer = this.options.btsnoop ? this.openCapture(name) : null;
    const opts: ControllerOptions = {
      ...LAPTOP_ADAPTER,
      address: `C0:DE:00:00:${((n >> 8) & 0xff).toString(16).padStart(2, '0')}:${(n & 0xff).toString(16).padStart(2, '0')}`.toUpperCase(),
      position: { x: n, y: 0 },
      ...spec,
      name,
    };
    const controller = new Controller(this.air, opts);
    controller.on('error', (e) => this.report(e));
    const node: RadioNode & { close(): void } = {
      name,
      controller,
      close: () => {
        controller.powerOff();
        controller.detachHost();
        this.air.detach(controller);
      },
    };
    if (writer) {
      node.btsnoopPath = writer.path;
      controller.on('packet', (dir, bytes) => writer.record(dir, bytes));
      const close = node.close;
      node.close = () => {
        close();
        const done = writer.close();
        this.closing.add(done);
        void done.then(() => this.closing.delete(done));
      };
    }
    this.nodes.set(name, node);
    return node;
  }

  private openCapture(name: string): BtsnoopWriter {
    const p = path.parse(this.options.btsnoop!);
    return new BtsnoopWriter(path.join(p.dir, `${p.name}-${name}${p.ext || '.btsnoop'}`), {
      onError: (e) => this.report({ kind: 'capture-error', node: name, message: `btsnoop capture stopped: ${e.message}` }),
    });
  }

  private report(e: RadioReport): void {
    // Only emit when someone listens: an unhandled 'error' must never take the radio down.
    if (this.listenerCount('error') > 0) this.emit('error', e);
  }

  /** Opens a pty for the node's host at `linkPath`. */
  attachPty(name: string, linkPath: string): RadioNode {
    const node = this.get(name);
    const taken = this.list().find((n) => n.ptyPath !== undefined && path.resolve(n.ptyPath) === path.resolve(linkPath));
    if (taken) throw new Error(`${linkPath} is already node ${taken.name}'s endpoint`);
    const port = new PtyPort(linkPath, {
      onBacklog: (dropping, stats) =>
        this.report(
          dropping
            ? { kind: 'host-not-reading', node: name, message: `the host at ${linkPath} is not reading: packets to it are dropped (${stats.queuedBytes} bytes waiting)` }
            : { kind: 'host-reading', node: name, message: `the host at ${linkPath} is reading again; ${stats.droppedPackets} packet(s), ${stats.droppedBytes} bytes dropped in all` },
        ),
    });
    node.controller.attachHost(port);
    node.ptyPath = linkPath;
    node.backlog = () => port.backlog;
    return node;
  }

  /** Returns the host end of an in-process HCI transport to the node. */
  attachInProcess(name: string): HostEnd {
    const { port, host } = createInProcessPair();
    const node = this.get(name);
    node.controller.attachHost(port);
    delete node.backlog;
    return host;
  }

  removeNode(name: string): void {
    this.get(name).close();
    this.nodes.delete(name);
  }

  get(name: string): RadioNode & { close(): void } {
    const node = this.nodes.get(name);
    if (!node) throw new Error(`no node named ${JSON.stringify(name)} (have: ${[...this.nodes.keys()].join(', ') || 'none'})`);
    return node;
  }

  list(): RadioNode[] {
    return [...this.nodes.values()];
  }

  power(name: string, on: boolean): void {
    const c = this.get(name).controller;
    if (on) c.powerOn();
    else c.powerOff();
  }

  move(name: string, position: Position): void {
    this.get(name).controller.moveTo(position);
  }

  setPacketErrorRate(a: string, b: string, rate: number): void {
    this.air.setPacketErrorRate(this.get(a).controller, this.get(b).controller, rate);
  }

  dropConnections(a: string, b: string): number {
    return this.air.dropConnections(this.get(a).controller, this.get(b).controller);
  }

  /** Closes every node; resolves once every capture's tail is on disk. */
  async close(): Promise<void> {
    for (const node of this.nodes.values()) node.close();
    this.nodes.clear();
    await Promise.all([...this.closing]);
  }
}
