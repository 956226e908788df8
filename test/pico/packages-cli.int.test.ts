// `picolink sim` and `picolink hub --sim` with the boards' frozen packages: fetched once from the
// index (PICOLINK_MIP_INDEX, served here) into the app data folder (PICOLINK_HOME); offline, the
// boards run on and the notice is printed once; --lib DIR instead of the index; wrong flags.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HUB_USAGE, SIM_USAGE } from '../../src-main/cli/usage.ts';
import { PICO_W_FROZEN_PACKAGES } from '../../src-main/pico/packages/frozen-set.ts';
import { cliFixture } from '../cli/cli-process.ts';
import { FakeMipIndex, refusedUrl, type FakePackage } from './fake-mip-index.ts';

const { dir, picolink } = cliFixture();

// The CLI asks for the names a Pico W freezes; this index answers them with made-up packages.
const TREE: Record<string, FakePackage> = {
  ...Object.fromEntries(PICO_W_FROZEN_PACKAGES.map((n) => [n, { files: {} }])),
  aioble: { files: { 'aioble/__init__.py': 'def who():\n    return "made-up aioble"\n' }, deps: [['fake-greeter', null]] },
  'fake-greeter': { files: { 'greeter.py': 'def hello():\n    return "hello from the index"\n' } },
};

// PicoLink's own firmware needs none of the packages: without them a board still runs.
const FIRMWARE = {
  'main.py': `
try:
    import aioble, greeter
    print("packages:", aioble.who(), "/", greeter.hello())
except ImportError:
    print("packages: missing")
print("running")
`,
};

const saved = { home: process.env.PICOLINK_HOME, index: process.env.PICOLINK_MIP_INDEX };
let index: FakeMipIndex;
let home: string;
beforeEach(async () => {
  index = await FakeMipIndex.start(TREE);
  home = path.join(dir(), 'home');
  // The child inherits these: the app data folder and the index are the test's own.
  process.env.PICOLINK_HOME = home;
  process.env.PICOLINK_MIP_INDEX = index.url;
});
afterEach(async () => {
  await index.close();
  for (const [k, v] of [['PICOLINK_HOME', saved.home], ['PICOLINK_MIP_INDEX', saved.index]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

function folder(name: string, files: Record<string, string>): string {
  const root = path.join(dir(), name);
  for (const [rel, body] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), body);
  }
  return root;
}

const expectedNotice = (url: string): string =>
  [
    'warning: The boards start without packages a Pico W has built in: aioble, bundle-networking, onewire, ds18x20, dht, neopixel (importing them raises ImportError).',
    `  aioble, bundle-networking, onewire, ds18x20, dht, neopixel: cannot reach ${new URL(url).origin} (ECONNREFUSED)`,
    'To provide them:',
    `  - run once with access to ${url}; they are then kept in ${path.join(home, 'micropython-lib', '1.27')} (a copy of that folder from another computer works as well)`,
    "  - or pass --lib DIR, a folder laid out like a board's /lib, e.g. filled by MicroPython's Unix port: micropython -m mip install --target DIR --no-mpy aioble bundle-networking onewire ds18x20 dht neopixel",
  ].join('\n');

describe('picolink sim: the packages a Pico W has built in', () => {
  it('fetches them into the app data folder on first use; the second run needs no network', async () => {
    const fw = folder('fw', FIRMWARE);
    const first = picolink('sim', '--firmware', fw);
    await first.waitFor('stdout', '[pico1] packages: made-up aioble / hello from the index');
    first.child.kill('SIGINT');
    expect(await first.exit()).toBe(0);
    expect(first.out.stderr).not.toContain('warning');
    expect(existsSync(path.join(home, 'micropython-lib', '1.27', 'package', 'py', 'aioble', 'latest.json'))).toBe(true);
    const fetched = index.requests.length;
    expect(fetched).toBe(PICO_W_FROZEN_PACKAGES.length + 3); // six JSONs, fake-greeter's, two files

    process.env.PICOLINK_MIP_INDEX = await refusedUrl();
    const second = picolink('sim', '--firmware', fw);
    await second.waitFor('stdout', '[pico1] packages: made-up aioble / hello from the index');
    second.child.kill('SIGINT');
    expect(await second.exit()).toBe(0);
    expect(second.out.stderr).not.toContain('warning');
    expect(index.requests).toHaveLength(fetched);
  });

  it('offline: the boards boot and run, and the notice says once how to provide the packages', async () => {
    const url = await refusedUrl();
    process.env.PICOLINK_MIP_INDEX = url;
    const cli = picolink('sim', '--picos', '2', '--firmware', folder('fw', FIRMWARE));
    await cli.waitFor('stdout', '[pico1] running');
    await cli.waitFor('stdout', '[pico2] running');
    expect(cli.out.stdout).toContain('[pico1] packages: missing');
    await cli.send('reboot pico1', 'pico1 rebooted');
    await cli.waitFor('stdout', '[pico1] running', cli.out.stdout.indexOf('pico1 rebooted'));
    cli.child.kill('SIGINT');
    expect(await cli.exit()).toBe(0);
    expect(cli.out.stderr.trim()).toBe(expectedNotice(url));
  });

  it('--lib DIR provides them from local folders, without the index', async () => {
    process.env.PICOLINK_MIP_INDEX = await refusedUrl();
    const a = folder('lib-a', { 'aioble/__init__.py': 'def who():\n    return "aioble from --lib"\n', 'manifest.py': 'require("x")\n' });
    const b = folder('lib-b', { 'greeter.py': 'def hello():\n    return "greeter from --lib"\n', 'aioble/__init__.py': 'raise ImportError\n' });
    const cli = picolink('sim', '--firmware', folder('fw', FIRMWARE), '--lib', a, '--lib', b);
    await cli.waitFor('stdout', '[pico1] packages: aioble from --lib / greeter from --lib');
    cli.child.kill('SIGINT');
    expect(await cli.exit()).toBe(0);
    expect(cli.out.stderr).toBe('');
    expect(index.requests).toEqual([]);
  });

  it.each([
    ['sim', ['--lib', '/no/such/folder'], SIM_USAGE, '--lib /no/such/folder: no such folder'],
    ['sim', ['--lib'], SIM_USAGE, "Option '--lib <value>' argument missing"],
    ['hub', ['--lib', '.'], HUB_USAGE, '--lib applies to the simulator: add --sim N'],
    ['hub', ['--sim', '1', '--lib', '/no/such/folder'], HUB_USAGE, '--lib /no/such/folder: no such folder'],
  ])('%s %j: usage text and exit code 2', async (command, args, usage, message) => {
    const cli = picolink(command, ...args);
    expect(await cli.exit()).toBe(2);
    expect(cli.out.stderr).toContain(`error: ${message}`);
    expect(cli.out.stderr).toContain(usage);
    expect(index.requests).toEqual([]);
  });
});

describe('picolink hub --sim: the packages', () => {
  it('offline: the Picos still link, and the notice is one warning', async () => {
    const url = await refusedUrl();
    process.env.PICOLINK_MIP_INDEX = url;
    const cli = picolink('hub', '--sim', '1', '--duration', '1', '--json', '--home', home);
    expect(await cli.exit(60_000)).toBe(0);
    const records = cli.out.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; message?: string; devices?: { name: string; count: number }[] });
    expect(records.filter((r) => r.type === 'warning').map((r) => r.message)).toEqual([expectedNotice(url).replace(/^warning: /, '')]);
    const summary = records.find((r) => r.type === 'summary')!;
    expect(summary.devices!.map((d) => d.name)).toEqual(['pico1']);
    expect(summary.devices![0]!.count).toBeGreaterThan(0);
  });

  it('--lib DIR: taken from the folder, the index untouched', async () => {
    const lib = folder('lib', { 'aioble/__init__.py': 'X = 1\n' });
    const cli = picolink('hub', '--sim', '1', '--lib', lib, '--duration', '1', '--json', '--home', home);
    expect(await cli.exit(60_000)).toBe(0);
    expect(cli.out.stdout).not.toContain('"warning"');
    expect(index.requests).toEqual([]);
  });
});
