import { defineConfig } from 'vitest/config';

// Simulated boards never reach for micropython-lib's index in tests (CI has no internet); the
// package tests serve their own index and set this themselves.
const env = { PICOLINK_MIP_INDEX: 'off' };

const PROCESSES = [
  'test/mqtt/**/*.int.test.ts',
  'test/usb/**/*.int.test.ts',
  'test/app/remote-*.int.test.ts',
  'test/app/usb-service.int.test.ts',
  'test/cli/{hub,radio-stop,hub-disk-full,cli,sim}.int.test.ts',
  'test/pico/packages-cli.int.test.ts',
];

export default defineConfig({
  test: {
    projects: [
      {
        // Pure code: codecs, state machines in virtual time, stores on temporary files. Files run
        // in parallel; `npx vitest --project unit` is the inner loop (seconds).
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['**/node_modules/**', 'test/**/*.int.test.ts', 'test/**/*.e2e.test.ts'],
          testTimeout: 20_000,
          env,
          sequence: { groupOrder: 0 },
        },
      },
      {
        // Tests that start boards, processes, pseudo-terminals, noble or a browser, or time real
        // link-layer events: one file at a time, after the unit project, on one build of the app.
        test: {
          name: 'integration',
          include: ['test/**/*.int.test.ts', 'test/**/*.e2e.test.ts'],
          exclude: ['**/node_modules/**', ...PROCESSES],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
          globalSetup: ['test/setup/build-once.ts'],
          env,
          sequence: { groupOrder: 1 },
        },
      },
      {
        // Tests that mostly wait on other processes (CLI runs, a broker taken down and brought
        // back, an install over a pty) and time nothing tighter than seconds: one file at a time,
        // beside the integration project rather than after it (scripts/run-tests.mjs runs the
        // two side by side). They need no build of the app.
        test: {
          name: 'processes',
          include: PROCESSES,
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
          env,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
