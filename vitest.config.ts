import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests open pseudo-terminals and time real link-layer events: keep files apart.
    fileParallelism: false,
  },
});
