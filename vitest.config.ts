import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Build dist/ once: CLI subprocess tests run bin/wirewhy.js.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Tests that need tshark or root print why they skipped; CI turns those skips into failures.
    reporters: ['default'],
  },
});
