// The benches' wait: they also run outside vitest (`npm run bench:*`, under tsx), where
// vi.waitFor is not to be had, so they poll by hand. Tests use vi.waitFor / expect.poll.

/** Resolves when `check` holds, polling every `everyMs`; rejects after `ms` with `what`. */
export async function until(what: string, check: () => boolean, ms = 20_000, everyMs = 20): Promise<number> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return Date.now() - start;
}
