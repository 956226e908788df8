import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests open pseudo-terminals and time real link-layer events: keep files apart.
    fileParallelism: false,
    // Simulated boards never reach for micropython-lib's index in tests (CI has no internet);
    // the package tests serve their own index and set this themselves.
    env: { PICOLINK_MIP_INDEX: 'off' },
  },
});
