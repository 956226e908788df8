// Replacing a file so that a crash at any moment leaves either the old contents or the new,
// never a mix: write a temporary file beside it, fsync it, rename it over the target, then
// fsync the directory so the rename itself is on disk.
import { open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

/** Saving `file` failed before the rename: the file still holds what it held before. */
export class FileSaveError extends Error {
  /** The errno code (ENOSPC, EACCES...), when the system gave one. */
  readonly code: string | undefined;
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    const code = (cause as NodeJS.ErrnoException | null)?.code;
    const why = code === 'ENOSPC' || code === 'EDQUOT' ? `the disk is full (${code})` : (cause as Error).message;
    super(`Could not save ${file}: ${why}; it keeps its previous contents.`, { cause });
    this.name = 'FileSaveError';
    this.code = code;
  }
}

/** Replaces `file` with `data` (owner-only permissions); throws FileSaveError, leaving the old file, when it cannot. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (error) {
    await unlink(tmp).catch(() => {});
    throw new FileSaveError(file, error);
  }
  await syncDir(path.dirname(file));
}

/** Makes a rename or a new file in `dir` durable. Best effort where the platform cannot. */
export async function syncDir(dir: string): Promise<void> {
  // Windows cannot open a directory for flushing (NTFS journals the rename itself); some
  // Unix file systems refuse fsync on directories with EINVAL. Both are best effort.
  if (process.platform === 'win32') return;
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'ENOTSUP' && code !== 'EISDIR' && code !== 'EPERM') throw error;
  } finally {
    await fh?.close();
  }
}
