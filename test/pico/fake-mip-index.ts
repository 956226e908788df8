// A mip package index served from the test on 127.0.0.1, laid out as micropython.org/pi/v2 is
// (package/py/<name>/latest.json naming files by short sha256, file/<h2>/<hash>), holding
// made-up packages. It counts requests, can serve a file that does not match its hash, and can
// hold a request unanswered to test timeouts.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakePackage {
  /** Path as installed (in a board's /lib) -> contents. */
  files: Record<string, string>;
  /** [name, version]; version null means latest, as in the index. */
  deps?: [string, string | null][];
  /** Files served with other contents than their hash names. */
  wrong?: string[];
}

export const shortHash = (body: string | Uint8Array): string => createHash('sha256').update(body).digest('hex').slice(0, 8);

export class FakeMipIndex {
  /** Paths requested, in order. */
  readonly requests: string[] = [];
  maxInFlight = 0;
  /** Requests whose path contains this are never answered. */
  hang: string | null = null;
  /** Milliseconds before each answer, so that requests overlap. */
  delayMs = 0;
  private inFlight = 0;
  private readonly bodies = new Map<string, string>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(packages: Record<string, FakePackage>): Promise<FakeMipIndex> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const index = new FakeMipIndex(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/pi/v2`);
    for (const [name, pkg] of Object.entries(packages)) index.add(name, pkg);
    server.on('request', (req, res) => {
      const path = (req.url ?? '').replace(/^\/pi\/v2\//, '');
      index.requests.push(path);
      if (index.hang && path.includes(index.hang)) return;
      index.inFlight++;
      index.maxInFlight = Math.max(index.maxInFlight, index.inFlight);
      setTimeout(() => {
        index.inFlight--;
        const body = index.bodies.get(path);
        res.writeHead(body === undefined ? 404 : 200).end(body ?? 'not found');
      }, index.delayMs);
    });
    return index;
  }

  add(name: string, pkg: FakePackage): void {
    const hashes = Object.entries(pkg.files).map(([target, body]) => {
      const h = shortHash(body);
      this.bodies.set(`file/${h.slice(0, 2)}/${h}`, pkg.wrong?.includes(target) ? `${body}# tampered\n` : body);
      return [target, h];
    });
    this.bodies.set(`package/py/${name}/latest.json`, JSON.stringify({ hashes, deps: pkg.deps ?? [], version: '0.1.0' }));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A URL on 127.0.0.1 where nothing listens: connections are refused at once. */
export async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/pi/v2`;
}
