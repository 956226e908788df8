// The test and development bridge: the built renderer served over HTTP, and the preload's API
// over a WebSocket at /bridge, so a plain Chromium (playwright) drives the real hub exactly as
// the Electron window does. It listens on loopback only and treats the page as untrusted just as
// main does: every request goes through parseRequest before the service sees it.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { BRIDGE_PATH, bridgeRequestSchema, type BridgeResponse, type BridgeServerMessage } from '../ipc/bridge-protocol.ts';
import { events, parseRequest, type EventChannel } from '../ipc/contract.ts';
import type { IpcService } from '../ipc/service.ts';
import { CONTENT_TYPES, fileForPath } from './renderer-files.ts';
import { CONTENT_SECURITY_POLICY, FRAME_OPTIONS } from './csp.ts';

export interface BridgeOptions {
  service: IpcService;
  /** The built renderer (dist/renderer). */
  staticDir: string;
  /** 0 (default): any free port. */
  port?: number;
  host?: string;
}

export interface Bridge {
  /** http://host:port/ — the renderer's page; the socket is at ws://host:port/bridge. */
  url: string;
  close(): Promise<void>;
}

// A page that falls this far behind on reading events is not reading them: drop samples (the
// next batch carries fresh ones) rather than let the queue grow without bound.
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

export async function serveBridge(options: BridgeOptions): Promise<Bridge> {
  const staticDir = path.resolve(options.staticDir);
  const host = options.host ?? '127.0.0.1';
  const server = createServer((req, res) => {
    serveStatic(staticDir, req, res).catch((e: Error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`error: ${e.message}`);
    });
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  let origin = '';

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    // Any web page the user visits could try ws://127.0.0.1:port; only our own page (or a
    // non-browser client, which sends no Origin) may connect.
    const from = req.headers.origin;
    if (url.pathname !== BRIDGE_PATH || (from !== undefined && from !== origin)) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws, options.service));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  origin = `http://${shownHost}:${port}`;

  return {
    url: `${origin}/`,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function attach(ws: WebSocket, service: IpcService): void {
  const send = (message: BridgeServerMessage): void => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  };
  const offs = (Object.keys(events) as EventChannel[]).map((channel) =>
    service.on(channel, (payload) => {
      if (channel === 'samples' && ws.bufferedAmount > MAX_BUFFERED_BYTES) return;
      send({ type: 'event', channel, payload });
    }),
  );
  ws.on('close', () => offs.forEach((off) => off()));
  ws.on('message', (data, isBinary) => {
    void answer(isBinary ? null : data.toString(), service).then(send);
  });
}

async function answer(text: string | null, service: IpcService): Promise<BridgeResponse> {
  let json: unknown;
  try {
    json = text === null ? undefined : JSON.parse(text);
  } catch {
    return { type: 'response', id: null, ok: false, error: 'the message is not JSON' };
  }
  const envelope = bridgeRequestSchema.safeParse(json);
  if (!envelope.success) {
    const id = (json as { id?: unknown } | null)?.id;
    return { type: 'response', id: typeof id === 'number' ? id : null, ok: false, error: 'expected {type: "request", id, channel, payload}' };
  }
  const { id, channel, payload } = envelope.data;
  try {
    const request = parseRequest(channel, payload);
    return { type: 'response', id, ok: true, result: await service.handle(request.channel, request.payload) };
  } catch (e) {
    return { type: 'response', id, ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

async function serveStatic(dir: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  // Nothing outside the renderer's folder, whatever the path says (the app protocol's rule).
  const file = fileForPath(dir, new URL(req.url ?? '/', 'http://localhost').pathname);
  if (file === null) {
    res.writeHead(404).end();
    return;
  }
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
    'content-length': info.size,
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-frame-options': FRAME_OPTIONS,
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file).pipe(res);
}
