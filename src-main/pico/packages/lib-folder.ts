// `--lib DIR`: the frozen packages from local folders instead of the index. A folder is read as a
// board's /lib is laid out (what `micropython -m mip install --target DIR` leaves), which is also
// how a micropython-lib package folder looks (e.g. micropython/drivers/sensor/dht), apart from
// its manifest.py, which is the build's and not a module.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const MODULE = /\.(py|mpy)$/;

/** Every module under the folders; where two hold the same path, the first folder given wins. */
export function readLibFolders(dirs: readonly string[]): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (const dir of dirs) {
    if (!statSync(dir).isDirectory()) throw new Error(`${dir} is not a folder`);
    const walk = (rel: string): void => {
      for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
        if (entry.name.startsWith('.') || entry.name === '__pycache__') continue;
        const r = rel ? `${rel}/${entry.name}` : entry.name;
        // A link (a checkout's package linked into one folder) counts as what it points to.
        const kind = entry.isSymbolicLink() ? statSync(path.join(dir, r)) : entry;
        if (kind.isDirectory()) walk(r);
        else if (kind.isFile() && MODULE.test(entry.name) && r !== 'manifest.py' && !(r in out)) out[r] = new Uint8Array(readFileSync(path.join(dir, r)));
      }
    };
    walk('');
  }
  return out;
}
