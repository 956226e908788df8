// The layers and the one direction imports may go, written once. `npm run check:layers` (part
// of `npm test`) fails on any import outside this table.
//
// Bottom to top: hci (the codecs everything speaks) → radio (virtual controllers and air) and
// host (our BLE host; it talks to a controller only through hci, never through radio) → pico
// (virtual boards) → hub (noble, links, the log) → sim (wiring boards, radio and hub into a
// simulation), usb (MicroPython boards over their USB serial REPL: probe, install) and mqtt
// (a hub's MQTT publisher and the dashboard's MQTT sources) → app (the dashboard's service) → cli and shell (the front ends). ipc is the
// contract between app and shell/renderer: a leaf both sides import. resources finds files at
// run time and imports nothing of ours. The renderer sees only the contract.
/** @type {Record<string, string[]>} what each layer may import besides itself */
const MAY_IMPORT = {
  hci: [],
  resources: [],
  ipc: [],
  radio: ['hci'],
  host: ['hci'],
  pico: ['hci', 'radio', 'host', 'resources'],
  hub: ['hci', 'host', 'resources'],
  sim: ['hci', 'radio', 'host', 'pico', 'hub', 'resources'],
  usb: ['resources'],
  mqtt: ['hci', 'hub', 'resources'],
  app: ['hci', 'hub', 'sim', 'usb', 'mqtt', 'ipc', 'resources'],
  cli: ['hci', 'radio', 'host', 'pico', 'hub', 'sim', 'usb', 'mqtt', 'app', 'ipc', 'resources'],
  shell: ['hub', 'app', 'ipc', 'resources'],
};

const LAYERS = Object.keys(MAY_IMPORT);
const alternation = (names) => `(${names.join('|')})`;

/** @type {import('dependency-cruiser').IConfiguration['forbidden']} */
const layerRules = LAYERS.map((layer) => ({
  name: `layer-${layer}`,
  comment: `src-main/${layer} may import only ${MAY_IMPORT[layer].length ? MAY_IMPORT[layer].map((l) => `src-main/${l}`).join(', ') : 'itself'} (.dependency-cruiser.cjs)`,
  severity: 'error',
  from: { path: `^src-main/${layer}/` },
  to: { path: '^src-main/', pathNot: `^src-main/${alternation([layer, ...MAY_IMPORT[layer]])}/` },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'layer-unknown',
      comment: 'every folder of src-main is a layer in .dependency-cruiser.cjs',
      severity: 'error',
      from: { path: `^src-main/(?!${alternation(LAYERS)}/)` },
      to: {},
    },
    {
      name: 'renderer-sees-only-the-contract',
      comment: 'the renderer is untrusted and runs in the browser: of src-main it may import only src-main/ipc and the channel names',
      severity: 'error',
      from: { path: '^src-renderer/src/' },
      to: { path: '^src-main/', pathNot: '^src-main/ipc/' },
    },
    {
      name: 'renderer-no-node',
      comment: 'the renderer runs in a sandboxed page without Node',
      severity: 'error',
      from: { path: '^src-renderer/src/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'preload-sees-only-the-contract',
      comment: 'the preload runs in the sandboxed renderer process: of src-main it may import only src-main/ipc and the channel names',
      severity: 'error',
      from: { path: '^src-main/shell/preload\\.ts$' },
      to: { path: '^src-main/', pathNot: '^src-main/(ipc/|shell/(preload|ipc-channels)\\.ts$)' },
    },
    {
      name: 'no-circular',
      comment: 'a cycle at run time makes the import order matter (type-only cycles, such as the controller core naming its procedures, are erased)',
      severity: 'error',
      from: { path: '^src-(main|renderer)/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'no-src-to-tests',
      comment: 'shipped code never imports tests, benches or scripts',
      severity: 'error',
      from: { path: '^src-(main|renderer)/' },
      to: { path: '^(test|bench|scripts)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.mjs', '.js', '.cjs', '.svelte', '.json'] },
  },
};
