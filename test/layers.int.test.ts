// The layer rule (.dependency-cruiser.cjs, run by `npm run check:layers` in `npm test`) holds on
// the tree and refuses each kind of wrong import, shown on small trees built for the purpose.
import { execFile } from 'node:child_process';
import { stripVTControlCharacters } from 'node:util';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const DEPCRUISE = path.join(ROOT, 'node_modules', '.bin', 'depcruise');
const CONFIG = path.join(ROOT, '.dependency-cruiser.cjs');

interface Outcome {
  code: number;
  output: string;
}

async function cruise(cwd: string): Promise<Outcome> {
  try {
    const { stdout } = await promisify(execFile)(DEPCRUISE, ['src-main', 'src-renderer/src', '--config', CONFIG, '--output-type', 'err'], {
      cwd,
      timeout: 30_000,
      // CI may force colour on; the assertions read plain text.
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    return { code: 0, output: stripVTControlCharacters(stdout) };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, output: stripVTControlCharacters(`${err.stdout ?? ''}${err.stderr ?? ''}`) };
  }
}

let dir: string | null = null;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

/** A tree with the real tsconfig and the given files (path → source). */
function tree(files: Record<string, string>): string {
  dir = mkdtempSync(path.join(tmpdir(), 'picolink-layers-'));
  copyFileSync(path.join(ROOT, 'tsconfig.json'), path.join(dir, 'tsconfig.json'));
  mkdirSync(path.join(dir, 'src-renderer', 'src'), { recursive: true });
  for (const [file, source] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), source);
  }
  return dir;
}

const LEAVES = {
  'src-main/hci/bytes.ts': 'export const x = 1;\n',
  'src-main/radio/radio.ts': "import { x } from '../hci/bytes.ts';\nexport const radio = x;\n",
  'src-main/ipc/contract.ts': 'export type Api = { a: number };\n',
};

describe('the layer rule', () => {
  it('holds on the tree', async () => {
    const r = await cruise(ROOT);
    expect(r.output).toContain('no dependency violations found');
    expect(r.code).toBe(0);
  });

  it('allows a layer to import the layers below it', async () => {
    const r = await cruise(tree({ ...LEAVES, 'src-main/pico/board.ts': "import { radio } from '../radio/radio.ts';\nexport const b = radio;\n" }));
    expect(r.code, r.output).toBe(0);
  });

  it('refuses host importing radio (the host talks to a controller only through hci)', async () => {
    const r = await cruise(tree({ ...LEAVES, 'src-main/host/gap.ts': "import type { radio } from '../radio/radio.ts';\nexport type G = typeof radio;\n" }));
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/layer-host: src-main\/host\/gap\.ts → src-main\/radio\/radio\.ts/);
  });

  it('refuses a lower layer importing a higher one', async () => {
    const r = await cruise(
      tree({
        ...LEAVES,
        'src-main/sim/simulation.ts': 'export const sim = 1;\n',
        'src-main/hub/hub.ts': "import { sim } from '../sim/simulation.ts';\nexport const h = sim;\n",
      }),
    );
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/layer-hub: src-main\/hub\/hub\.ts → src-main\/sim\/simulation\.ts/);
  });

  it('refuses the renderer importing anything of src-main but the contract', async () => {
    const r = await cruise(
      tree({
        ...LEAVES,
        'src-renderer/src/lib/ok.ts': "import type { Api } from '../../../src-main/ipc/contract.ts';\nexport type A = Api;\n",
        'src-renderer/src/lib/bad.ts': "import { radio } from '../../../src-main/radio/radio.ts';\nexport const r = radio;\n",
      }),
    );
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/renderer-sees-only-the-contract: src-renderer\/src\/lib\/bad\.ts → src-main\/radio\/radio\.ts/);
    expect(r.output).not.toMatch(/ok\.ts/);
  });

  it('refuses a folder of src-main that is not a layer', async () => {
    const r = await cruise(tree({ ...LEAVES, 'src-main/misc/util.ts': "import { x } from '../hci/bytes.ts';\nexport const u = x;\n" }));
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/layer-unknown: src-main\/misc\/util\.ts/);
  });

  it('refuses a cycle at run time but not one through types only', async () => {
    const typeOnly = await cruise(
      tree({
        ...LEAVES,
        'src-main/radio/a.ts': "import type { B } from './b.ts';\nexport type A = { b: B };\n",
        'src-main/radio/b.ts': "import type { A } from './a.ts';\nexport type B = { a?: A };\n",
      }),
    );
    expect(typeOnly.code, typeOnly.output).toBe(0);
    const runtime = await cruise(
      tree({
        ...LEAVES,
        'src-main/radio/a.ts': "import { b } from './b.ts';\nexport const a = () => b;\n",
        'src-main/radio/b.ts': "import { a } from './a.ts';\nexport const b = () => a;\n",
      }),
    );
    expect(runtime.code).not.toBe(0);
    expect(runtime.output).toMatch(/no-circular/);
  });
});
