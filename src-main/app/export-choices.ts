// Files the user chose in main's save dialog, each behind an opaque token. The renderer is
// untrusted, so it never names a path: it asks main to show the dialog, gets a token for the
// choice (and the path, to show it), and hands the token back to export. A token works once,
// for a limited time; a forged, reused or expired one is refused, so a compromised page can
// write only where the user said, and only as an export.
import { randomBytes } from 'node:crypto';
import type { ExportFormat } from '../hub/store/export.ts';

export interface ExportChoice {
  file: string;
  format: ExportFormat;
}

export interface ExportChoicesOptions {
  /** How long a choice stays usable. */
  ttlMs?: number;
  /** Choices kept at once; the oldest goes first. */
  max?: number;
  now?: () => number;
}

export class ExportTokenError extends Error {
  override readonly name = 'ExportTokenError';
}

interface Held extends ExportChoice {
  expiresAt: number;
}

export class ExportChoices {
  private readonly held = new Map<string, Held>();
  private readonly ttlMs: number;
  private readonly max: number;
  private readonly now: () => number;

  constructor(options: ExportChoicesOptions = {}) {
    // Long enough to pick a device and a time range after choosing the file.
    this.ttlMs = options.ttlMs ?? 15 * 60_000;
    this.max = options.max ?? 8;
    this.now = options.now ?? Date.now;
  }

  /** Holds `choice` and returns its token. */
  issue(choice: ExportChoice): string {
    this.prune();
    while (this.held.size >= this.max) this.held.delete(this.held.keys().next().value!);
    // 32 random bytes, base64url: the contract's exportTokenSchema.
    const token = randomBytes(32).toString('base64url');
    this.held.set(token, { ...choice, expiresAt: this.now() + this.ttlMs });
    return token;
  }

  /** The choice behind `token`, which is spent whatever happens next. Throws ExportTokenError. */
  take(token: string): ExportChoice {
    const held = this.held.get(token);
    this.held.delete(token);
    if (!held) throw new ExportTokenError('That export file choice is unknown or was already used: choose the file again.');
    if (this.now() > held.expiresAt) throw new ExportTokenError('That export file choice has expired: choose the file again.');
    return { file: held.file, format: held.format };
  }

  get size(): number {
    this.prune();
    return this.held.size;
  }

  private prune(): void {
    const t = this.now();
    for (const [token, held] of this.held) if (t > held.expiresAt) this.held.delete(token);
  }
}
