import { defineConfig } from 'tsup';

// Not cleaned: tests that run the built CLI may be running while another build writes.
// scripts/prune-dist.mjs removes what the build no longer produces instead.
const shared = { target: 'node20', splitting: false, clean: false, sourcemap: false } as const;

export default defineConfig([
  {
    ...shared,
    entry: {
      index: 'src/index.ts',
      'testing/index': 'src/testing/index.ts',
      'web/index': 'src/web/index.ts',
      'fastify/index': 'src/fastify/index.ts',
      'koa/index': 'src/koa/index.ts',
      'redis/index': 'src/redis/index.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
  },
  // The bin is only ever run, never imported: one ESM file, no types.
  { ...shared, entry: { 'cli/main': 'src/cli/main.ts' }, format: ['esm'], dts: false },
]);
