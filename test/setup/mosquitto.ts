// A real Mosquitto for the MQTT tests (issue 17 point 4: no mock broker): a config written into
// a temporary folder, a free 127.0.0.1 port, optionally a password file (mosquitto_passwd) and
// TLS on a self-signed CA made here with openssl. The broker runs in its own process group, so
// stop() ends it and nothing it started outlives the test. Persistence is on, in the folder, so
// restart() keeps persistent sessions and their queued QoS 1 messages (mosquitto.conf(5):
// persistence, persistence_location; the database is written when the broker exits on SIGTERM).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';

export const MOSQUITTO = '/usr/sbin/mosquitto';
const MOSQUITTO_PASSWD = '/usr/bin/mosquitto_passwd';
const START_MS = 10_000;
const STOP_MS = 5_000;

export interface MosquittoOptions {
  password?: { user: string; pass: string };
  tls?: boolean;
  /** Keep the config, certificates and database here (default: a new temporary folder, removed on stop). */
  dir?: string;
  port?: number;
}

export interface Mosquitto {
  /** mqtt://127.0.0.1:PORT, or mqtts://localhost:PORT with tls (the certificate names localhost and 127.0.0.1). */
  url: string;
  port: number;
  /** The CA that signed the broker's certificate (tls only). */
  caFile?: string;
  dir: string;
  /** What the broker wrote so far (its log goes to stderr). */
  log(): string;
  stop(): Promise<void>;
  /** Stops (SIGTERM, so the persistence database is written) and starts again on the same port. */
  restart(): Promise<void>;
}

/** A port free on 127.0.0.1 just now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startMosquitto(opts: MosquittoOptions = {}): Promise<Mosquitto> {
  if (!existsSync(MOSQUITTO)) throw new Error(`${MOSQUITTO} is missing: apt-get install mosquitto (.ci/run does)`);
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? mkdtempSync(path.join(tmpdir(), 'picolink-mosquitto-'));
  const port = opts.port ?? (await freePort());
  const lines = [
    `listener ${port} 127.0.0.1`,
    `allow_anonymous ${opts.password ? 'false' : 'true'}`,
    'persistence true',
    `persistence_location ${dir}/`,
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    // Started as root, Mosquitto drops to the user `mosquitto`, who cannot read a 0700 temp folder.
    `user ${userInfo().username}`,
  ];
  if (opts.password) {
    const file = path.join(dir, 'passwords');
    execFileSync(MOSQUITTO_PASSWD, ['-b', '-c', file, opts.password.user, opts.password.pass], { stdio: 'pipe' });
    lines.push(`password_file ${file}`);
  }
  let caFile: string | undefined;
  if (opts.tls) {
    const t = makeCertificates(dir);
    caFile = t.caFile;
    lines.push(`certfile ${t.certFile}`, `keyfile ${t.keyFile}`);
  }
  const conf = path.join(dir, 'mosquitto.conf');
  writeFileSync(conf, lines.join('\n') + '\n');

  let child: ChildProcess | null = null;
  let log = '';
  const start = async (): Promise<void> => {
    const c = spawn(MOSQUITTO, ['-c', conf], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    child = c;
    c.stderr!.setEncoding('utf8');
    c.stderr!.on('data', (s: string) => {
      log += s;
      if (log.length > 100_000) log = log.slice(-50_000);
    });
    const deadline = Date.now() + START_MS;
    for (;;) {
      if (c.exitCode !== null || c.signalCode !== null) throw new Error(`mosquitto exited (${c.exitCode ?? c.signalCode}) on start:\n${log}`);
      if (await accepts(port)) return;
      if (Date.now() > deadline) {
        await stopChild();
        throw new Error(`mosquitto did not accept on 127.0.0.1:${port} within ${START_MS} ms:\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stopChild = async (): Promise<void> => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    killGroup(c.pid!, 'SIGTERM');
    const t = setTimeout(() => killGroup(c.pid!, 'SIGKILL'), STOP_MS);
    await exited;
    clearTimeout(t);
  };
  await start();
  const scheme = opts.tls ? 'mqtts' : 'mqtt';
  const host = opts.tls ? 'localhost' : '127.0.0.1';
  return {
    url: `${scheme}://${host}:${port}`,
    port,
    ...(caFile ? { caFile } : {}),
    dir,
    log: () => log,
    async stop() {
      await stopChild();
      if (ownDir) rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      await stopChild();
      await start();
    },
  };
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1' });
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.setTimeout(1_000, () => done(false));
  });
}

/** A self-signed CA and a server certificate it signs for localhost and 127.0.0.1 (openssl). */
function makeCertificates(dir: string): { caFile: string; certFile: string; keyFile: string } {
  const f = (n: string): string => path.join(dir, n);
  const run = (args: string[]): void => {
    execFileSync('openssl', args, { stdio: 'pipe', cwd: dir });
  };
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=picolink test CA', '-keyout', f('ca.key'), '-out', f('ca.crt')]);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', f('server.key'), '-out', f('server.csr')]);
  writeFileSync(f('server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
  run(['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', f('server.ext'), '-out', f('server.crt')]);
  return { caFile: f('ca.crt'), certFile: f('server.crt'), keyFile: f('server.key') };
}
