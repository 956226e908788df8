// electron-builder.yml checked the way `npm run dist` would check it first: by electron-builder's
// own loader and schema validation (the build itself needs the Electron download, which this
// machine lacks). Then what the schema cannot know: the targets we promise, the entry point and
// icons that exist, and files that include what the app loads at run time. packaged.e2e.test.ts
// packs the app with this configuration and starts it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
// app-builder-lib as electron-builder itself resolves it.
const fromBuilder = createRequire(createRequire(import.meta.url).resolve('electron-builder/package.json'));

interface BuilderConfig {
  appId?: string;
  /** Normalised by getConfig to one file set. */
  files?: { filter: string[] }[];
  extraMetadata?: { main?: string };
  directories?: { output?: string; buildResources?: string };
  linux?: { target?: string[]; icon?: string };
  mac?: { target?: string[]; icon?: string };
  win?: { target?: string[]; icon?: string };
  asar?: boolean;
  asarUnpack?: string[];
  extraResources?: { from: string; to: string; filter?: string[] }[];
  npmRebuild?: boolean;
  electronFuses?: Record<string, boolean>;
}
const { getConfig, validateConfiguration } = fromBuilder('app-builder-lib/out/util/config/config') as {
  getConfig(projectDir: string, configPath: string | null, fromOptions: null): Promise<BuilderConfig>;
  validateConfiguration(config: BuilderConfig, logger: unknown): Promise<void>;
};
const { DebugLogger } = fromBuilder('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
// What `npm run dist` does with electronFuses: electron-builder's own translation, then @electron/fuses.
const { PlatformPackager } = fromBuilder('app-builder-lib') as {
  PlatformPackager: { prototype: { generateFuseConfig(fuses: Record<string, boolean>): Promise<Record<string, unknown>> } };
};
const fuses = createRequire(fromBuilder.resolve('app-builder-lib/package.json'))('@electron/fuses') as {
  FuseV1Options: Record<string, number>;
  flipFuses(file: string, config: Record<string, unknown>): Promise<number>;
  getCurrentFuseWire(file: string): Promise<Record<number, number>>;
};

const pngSize = (file: string): [number, number] => {
  const b = readFileSync(file);
  expect(b.subarray(1, 4).toString('latin1')).toBe('PNG');
  return [b.readUInt32BE(16), b.readUInt32BE(20)];
};

describe('electron-builder.yml', () => {
  it("passes electron-builder's own schema validation", async () => {
    const config = await getConfig(root, null, null);
    expect(config.appId).toBe('dev.picolink.app');
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('would be refused with a misspelt option (the check is real)', async () => {
    const config = await getConfig(root, null, null);
    const bad = { ...config, linux: { ...config.linux, targt: ['AppImage'] } };
    await expect(validateConfiguration(bad, new DebugLogger(false))).rejects.toThrow(/does not match the API schema[\s\S]*configuration\.linux/);
  });

  it('builds AppImage and deb, dmg, and nsis, with a 512 px icon from assets/', async () => {
    const config = await getConfig(root, null, null);
    expect(config.linux?.target).toEqual(['AppImage', 'deb']);
    expect(config.mac?.target).toEqual(['dmg']);
    expect(config.win?.target).toEqual(['nsis']);
    expect(config.directories?.buildResources).toBe('assets');
    for (const icon of [config.linux?.icon, config.mac?.icon, config.win?.icon]) {
      expect(icon).toBe('assets/icon.png');
      // macOS needs at least 512x512; electron-builder makes the .icns and .ico from it.
      expect(pngSize(path.join(root, icon!))).toEqual([512, 512]);
    }
  });

  it('ships the bundles, not the sources, in an asar with the worker and native modules unpacked, and firmware and shims as resources', async () => {
    const config = await getConfig(root, null, null);
    expect(config.extraMetadata?.main).toBe('dist/shell/main.cjs');
    const files = config.files?.[0]?.filter ?? [];
    expect(files).toEqual(expect.arrayContaining(['package.json', 'dist/shell/main.cjs', 'dist/shell/preload.cjs', 'dist/worker/**', 'dist/renderer/**', '!dist/**/*.map']));
    // Nothing is compiled at run time: no TypeScript or firmware inside the app.
    expect(files.filter((f) => f.startsWith('src-main') || f.startsWith('firmware'))).toEqual([]);
    expect(config.asar).toBe(true);
    expect(config.asarUnpack).toEqual(
      expect.arrayContaining(['dist/worker/**', '**/node_modules/better-sqlite3/**', '**/node_modules/node-pty/**', '**/node_modules/@stoprocent/**', '**/*.node']),
    );
    // Where resources/resource-paths.ts looks for them in a packaged app.
    expect(config.extraResources).toEqual([
      { from: 'firmware', to: 'firmware', filter: ['**/*', '!**/__pycache__/**'] },
      { from: 'src-main/pico/python', to: 'python', filter: ['*.py'] },
    ]);
    expect(config.npmRebuild).toBe(true);
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string>; dependencies: Record<string, string> };
    expect(pkg.scripts.dist).toBe('npm run build && electron-builder');
    expect(pkg.scripts.start).toBe('npm run build && node scripts/electron-native.mjs && electron dist/shell/main.cjs');
    // electron-builder ships `dependencies` in node_modules; the bundles leave out exactly those.
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['@stoprocent/noble', 'better-sqlite3', 'node-pty', 'serialport']);
  });

  it('flips the Electron fuses in the packaged binary: no run-as-node, NODE_OPTIONS or --inspect, encrypted cookies, no file:// privileges', async () => {
    const config = await getConfig(root, null, null);
    const wanted = {
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      grantFileProtocolExtraPrivileges: false,
      // Only from app.asar (and its integrity checked) exactly when the app ships as an asar.
      onlyLoadAppFromAsar: config.asar !== false,
      enableEmbeddedAsarIntegrityValidation: config.asar !== false,
    };
    expect(config.electronFuses).toEqual(wanted);
    // A stand-in for the Electron binary (not on this machine) with the fuse wire at Electron's
    // defaults: sentinel, wire version 1, 8 fuses (RunAsNode on, cookie encryption off,
    // NODE_OPTIONS on, --inspect on, asar integrity off, only-asar off, browser V8 snapshot off,
    // file:// extras on), flipped as `npm run dist` would flip the real one.
    const dir = mkdtempSync(path.join(tmpdir(), 'picolink-fuses-'));
    try {
      const binary = path.join(dir, 'picolink');
      writeFileSync(binary, Buffer.concat([Buffer.from('ELF...'), Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'), Buffer.from([1, 8]), Buffer.from('10110001'), Buffer.from('...')]));
      await fuses.flipFuses(binary, await PlatformPackager.prototype.generateFuseConfig(config.electronFuses!));
      const wire = await fuses.getCurrentFuseWire(binary);
      const on = (name: string): boolean => wire[fuses.FuseV1Options[name]!] === '1'.charCodeAt(0);
      expect(on('RunAsNode')).toBe(false);
      expect(on('EnableCookieEncryption')).toBe(true);
      expect(on('EnableNodeOptionsEnvironmentVariable')).toBe(false);
      expect(on('EnableNodeCliInspectArguments')).toBe(false);
      expect(on('GrantFileProtocolExtraPrivileges')).toBe(false);
      expect(on('OnlyLoadAppFromAsar')).toBe(config.asar !== false);
      expect(on('EnableEmbeddedAsarIntegrityValidation')).toBe(config.asar !== false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
