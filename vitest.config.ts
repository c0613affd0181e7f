import { defineConfig } from 'vitest/config';

// Interop tests run third-party DC-09 receivers (iobroker.sia); they are named *-interop.test.ts so
// one pattern keeps them out of the integration project and in their own.
const INTEROP = 'test/integration/**/*-interop.test.ts';

export default defineConfig({
  test: {
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Integration tests open real loopback sockets and child processes; forks keep them isolated.
    pool: 'forks',
    // `vitest run` runs all three; `--project <name>` one of them (npm run test:unit and the like).
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.ts'], exclude: [INTEROP] } },
      { extends: true, test: { name: 'interop', include: [INTEROP] } },
      // The fault simulator's seed budget (docs/simulation.md): no sockets, simulated time only.
      { extends: true, test: { name: 'simulation', include: ['test/simulation/**/*.test.ts'] } },
    ],
  },
});
