// The built main process (dist/shell/main.cjs, or the packaged copy) run in plain Node with the
// fake electron (test/fixtures/fake-electron), and what it says over the fake's IPC channel.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, vi } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const hook = path.join(root, 'test', 'fixtures', 'fake-electron', 'hook.cjs');

export type FromApp =
  | { type: 'window'; options: { webPreferences: Record<string, unknown> } }
  | { type: 'load'; url: string }
  | { type: 'send'; channel: string; args: unknown[] }
  | { type: 'menu'; labels: string[] }
  | { type: 'headers'; headers: Record<string, string[]> }
  | { type: 'error-box'; title: string; content: string }
  | { type: 'reply'; id: number; value?: unknown; error?: string }
  | { type: 'schemes'; schemes: { scheme: string; privileges: Record<string, boolean> }[] }
  | { type: 'protocol'; scheme: string; origin: string }
  | { type: 'handlers'; names: string[] }
  | { type: 'answer'; id: number; granted?: unknown; prevented?: boolean; chosen?: unknown }
  | { type: 'exit'; code: number };

/** The app's process and what it has said so far. */
export class AppProcess {
  readonly said: FromApp[] = [];
  readonly exited: Promise<number | null>;
  private nextId = 1;
  private readonly replies = new Map<number, (m: FromApp & { type: 'reply' }) => void>();
  private readonly answers = new Map<number, (m: FromApp & { type: 'answer' }) => void>();
  onSend: ((channel: string, args: unknown[]) => void) | null = null;

  constructor(
    readonly child: ChildProcess,
    readonly stderr: string[],
  ) {
    child.on('message', (m: FromApp) => {
      this.said.push(m);
      if (m.type === 'reply') this.replies.get(m.id)?.(m);
      if (m.type === 'answer') this.answers.get(m.id)?.(m);
      if (m.type === 'send') this.onSend?.(m.channel, m.args);
    });
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  static start(argv: string[], home: string, savePath?: string): AppProcess {
    return AppProcess.startMain(path.join(root, 'dist', 'shell', 'main.cjs'), argv, {
      ...process.env,
      PICOLINK_HOME: home,
      ...(savePath ? { FAKE_ELECTRON_SAVE_PATH: savePath } : {}),
    });
  }

  /** Runs `main` with exactly `env` and no Node options but the fake's hook. */
  static startMain(main: string, argv: string[], env: NodeJS.ProcessEnv, cwd?: string): AppProcess {
    const stderr: string[] = [];
    const child = fork(main, argv, { execArgv: ['--require', hook], env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], ...(cwd ? { cwd } : {}) });
    child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
    return new AppProcess(child, stderr);
  }

  async next<T extends FromApp['type']>(type: T, timeoutMs = 60_000): Promise<FromApp & { type: T }> {
    // Stops waiting (with nothing) as soon as the app exits.
    const m = await vi.waitFor(
      () => {
        const m = this.said.find((x): x is FromApp & { type: T } => x.type === type);
        if (m || this.child.exitCode !== null) return m;
        expect(this.said.map((x) => x.type), `no "${type}" from the app; stderr: ${this.stderr.join('')}`).toContain(type);
      },
      { timeout: timeoutMs, interval: 50 },
    );
    if (m) return m;
    throw new Error(`the app exited (${this.child.exitCode}) before "${type}": ${this.stderr.join('')}${this.errorBoxes()}`);
  }

  /** What the app showed in error boxes, for failure messages. */
  private errorBoxes(): string {
    return this.said.flatMap((m) => (m.type === 'error-box' ? [`\n[error box] ${m.title}: ${m.content}`] : [])).join('');
  }

  /** Asks the fake to call a permission handler or emit a device chooser event. */
  ask(message: { type: 'permission'; kind: 'request' | 'check' | 'device'; permission: string; url: string; isMainFrame: boolean } | { type: 'choose'; event: string }): Promise<FromApp & { type: 'answer' }> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.answers.set(id, (m) => {
        this.answers.delete(id);
        resolve(m);
      });
      this.child.send({ ...message, id });
    });
  }

  /** ipcRenderer.invoke as Electron delivers it: to the handler, with the sending frame. */
  invoke(channel: string, args: unknown[], frameUrl: string): Promise<{ value?: unknown; error?: string }> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.replies.set(id, (m) => {
        this.replies.delete(id);
        resolve(m.error === undefined ? { value: m.value } : { error: m.error });
      });
      this.child.send({ type: 'invoke', id, channel, args, frameUrl });
    });
  }
}

