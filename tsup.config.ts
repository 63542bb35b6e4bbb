import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'testing/index': 'src/testing/index.ts',
    'web/index': 'src/web/index.ts',
    'fastify/index': 'src/fastify/index.ts',
    'koa/index': 'src/koa/index.ts',
    'redis/index': 'src/redis/index.ts',
    'cli/main': 'src/cli/main.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  // Not cleaned: tests that run the built CLI may be running while another build writes.
  clean: false,
  target: 'node20',
  splitting: false,
});
