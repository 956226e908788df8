// A real file system that fills: a small tmpfs, mounted only where a test may (root on Linux,
// with the right to mount); elsewhere the tests that need one are skipped and the
// max_page_count / injected-ENOSPC tests cover the same code.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export function mountTmpfs(at: string, size = '4m'): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', at], { stdio: 'ignore' });
    return true;
  } catch {
    return false; // a container without CAP_SYS_ADMIN
  }
}

/** Unmounts `at`; lazily (once its files are closed) if a file on it is still open. */
export function unmount(at: string): void {
  try {
    execFileSync('umount', [at], { stdio: 'ignore' });
  } catch {
    execFileSync('umount', ['-l', at], { stdio: 'ignore' });
  }
}

/** Whether this process can mount a tmpfs (tried once, on a scratch folder). */
export function canMountTmpfs(): boolean {
  const probe = mkdtempSync(path.join(tmpdir(), 'picolink-tmpfs-probe-'));
  try {
    const ok = mountTmpfs(probe);
    if (ok) unmount(probe);
    return ok;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

/** Writes `filler` until the file system has no block left, so the next write fails with ENOSPC. */
export function fillUp(filler: string): void {
  try {
    execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4k'], { stdio: 'ignore' });
  } catch {
    // dd ends with "No space left on device", which is the point.
  }
}
