import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Real clusters: integration files run one at a time (set on the root, which projects inherit).
    fileParallelism: false,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node' } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          // Not speed tests: a restore of a real cluster takes what it takes.
          testTimeout: 900_000,
          hookTimeout: 900_000,
        },
      },
    ],
  },
})
