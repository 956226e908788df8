// A small JSON file with a format version, as the settings and the paired list are kept: read
// with a zod schema, a damaged file set aside with a warning rather than stopping the app, and
// saves that run one after another, each becoming current only once it is on disk.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { writeFileAtomic } from './atomic-write.ts';
import { setAside } from './set-aside.ts';

export interface VersionedJsonFile<T> {
  /** What the file is, for messages: "The <label> <file> is not valid JSON". */
  label: string;
  /** What happens instead, for messages: "...; it was moved to X and <fallback>." */
  fallback: string;
  version: number;
  /** The file's contents with its `version` field. */
  schema: z.ZodType<T>;
}

export type Loaded<T> = { contents: T | null; warning?: string };

/**
 * Reads `file`. Missing: null contents. Unreadable, not JSON, not the schema, or written by a
 * newer version: the file is renamed to `<file>.corrupt-<timestamp>`, null contents and a
 * warning that says what happened. Never throws for the file's contents.
 */
export function loadVersionedJson<T>(file: string, spec: VersionedJsonFile<T>): Loaded<T> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return { contents: null };
    return damaged(file, spec, `could not be read (${e.code ?? e.message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return damaged(file, spec, 'is not valid JSON');
  }
  const parsed = spec.schema.safeParse(json);
  if (parsed.success) return { contents: parsed.data };
  const version = (json as { version?: unknown } | null)?.version;
  const why =
    typeof version === 'number' && version > spec.version
      ? `was written by a newer PicoLink (format version ${version}; this one reads version ${spec.version})`
      : `does not have the expected contents (${z.prettifyError(parsed.error).replace(/\n/g, ' ')})`;
  return damaged(file, spec, why);
}

function damaged<T>(file: string, spec: VersionedJsonFile<T>, why: string): Loaded<T> {
  const what = `The ${spec.label} ${file} ${why}`;
  try {
    return { contents: null, warning: `${what}; it was moved to ${setAside(file)} and ${spec.fallback}.` };
  } catch (error) {
    return {
      contents: null,
      warning: `${what}, and moving it aside failed (${(error as Error).message}); ${spec.fallback} and the next change replaces that file.`,
    };
  }
}

/** `{version, ...body}` as the file holds it, written atomically. */
export function saveVersionedJson(file: string, version: number, body: object): Promise<void> {
  return writeFileAtomic(file, JSON.stringify({ version, ...body }, null, 2) + '\n');
}

/** Runs saves one after another; a failed one is its caller's error and never blocks the next. */
export class SaveQueue {
  private last: Promise<void> = Promise.resolve();

  run<R>(save: () => Promise<R>): Promise<R> {
    const turn = this.last.then(save);
    this.last = turn.then(
      () => {},
      () => {},
    );
    return turn;
  }
}
