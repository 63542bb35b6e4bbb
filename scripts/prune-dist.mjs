// Runs after tsup. The build does not clean dist/ (tests may be running the built CLI while it
// writes), so chunks from earlier builds, whose names carry a content hash, would pile up and be
// packed. This removes every file under dist/ that no entry point reaches.
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { listFiles, neededDistFiles } from './dist-files.mjs';

const root = resolve(import.meta.dirname, '..');
const needed = new Set(neededDistFiles(root));
const stale = listFiles(root, 'dist').filter((file) => !needed.has(file));
for (const file of stale) rmSync(join(root, file));
if (stale.length > 0) console.error(`prune-dist: removed ${stale.length} file(s) no entry point uses`);
