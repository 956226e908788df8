// GETs from a package index: a timeout on every request, a bound on requests in flight, and,
// once the index has proved unreachable, no further attempts (each would only wait out its own
// timeout to learn the same thing).
import type { ProblemKind } from './package-problem.ts';

export class IndexError extends Error {
  override readonly name = 'IndexError';
  constructor(
    readonly kind: ProblemKind,
    readonly detail: string,
  ) {
    super(detail);
  }
}

export interface IndexClientOptions {
  /** Base URL, e.g. https://micropython.org/pi/v2 (no trailing slash needed). */
  index: string;
  /** Per request, connection to last byte. */
  timeoutMs: number;
  concurrency: number;
  /** A package file or JSON larger than this is refused (micropython-lib's largest is tens of KB). */
  maxBytes: number;
}

export class IndexClient {
  /** Requests started, for callers that report whether the network was used. */
  requests = 0;
  private readonly base: string;
  private readonly stop = new AbortController();
  private unreachable: IndexError | null = null;
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly options: IndexClientOptions) {
    this.base = options.index.replace(/\/+$/, '');
  }

  urlOf(rel: string): string {
    return `${this.base}/${rel}`;
  }

  /** The body of `rel` under the index; throws IndexError. */
  async get(rel: string): Promise<Uint8Array> {
    await this.slot();
    try {
      return await this.fetchOnce(this.urlOf(rel));
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  private async slot(): Promise<void> {
    while (this.active >= this.options.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
  }

  private async fetchOnce(url: string): Promise<Uint8Array> {
    if (this.unreachable) throw this.unreachable;
    this.requests++;
    const signal = AbortSignal.any([this.stop.signal, AbortSignal.timeout(this.options.timeoutMs)]);
    let body: Uint8Array;
    try {
      const res = await fetch(url, { signal });
      if (res.status !== 200) {
        await res.body?.cancel().catch(() => undefined);
        throw new IndexError('http', `HTTP ${res.status} for ${url}`);
      }
      body = new Uint8Array(await res.arrayBuffer());
    } catch (e) {
      if (e instanceof IndexError) throw e;
      this.unreachable ??= this.networkError(e);
      this.stop.abort();
      throw this.unreachable;
    }
    if (body.length > this.options.maxBytes) throw new IndexError('invalid', `${url} is ${body.length} bytes, more than ${this.options.maxBytes}`);
    return body;
  }

  private networkError(e: unknown): IndexError {
    const origin = new URL(this.base).origin;
    const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
    if (err.name === 'TimeoutError') return new IndexError('timeout', `no answer from ${origin} within ${this.options.timeoutMs / 1000} s`);
    const why = err.cause?.code ?? err.cause?.message ?? err.message ?? String(e);
    return new IndexError('unreachable', `cannot reach ${origin} (${why})`);
  }
}
