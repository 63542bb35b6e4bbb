// Which files under dist/ the package needs: the targets named in package.json (exports, bin,
// main, module, types, typesVersions) and every file they import, transitively. Shared by the
// build's pruning step and the tarball test, so both agree on what belongs in the package.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, posix, relative } from 'node:path';

/** Every file path a package.json field points at, relative to the package root ("dist/x.js"). */
export function packageTargets(pkg) {
  const found = new Set();
  const walk = (value) => {
    if (typeof value === 'string') {
      if (value.startsWith('./') && !value.includes('*')) found.add(posix.normalize(value));
    } else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(pkg.exports);
  walk(pkg.bin);
  walk(pkg.typesVersions);
  for (const field of ['main', 'module', 'types']) walk(pkg[field] && `./${posix.normalize(pkg[field])}`);
  found.delete('package.json');
  return [...found].sort();
}

// Relative specifiers only: `from './x.js'`, `import('./x.js')`, `require('./x.cjs')`.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]+)\1/g;

/** The relative files one built file imports, resolved the way Node and TypeScript would. */
export function importsOf(root, file) {
  const text = readFileSync(join(root, file), 'utf8');
  const out = [];
  for (const match of text.matchAll(SPECIFIER)) {
    const target = posix.normalize(posix.join(posix.dirname(file), match[2]));
    // A declaration file names its sibling chunk by its JavaScript name.
    const candidates = file.endsWith('.d.ts')
      ? [target.replace(/\.js$/, '.d.ts'), target]
      : file.endsWith('.d.cts')
        ? [target.replace(/\.cjs$/, '.d.cts'), target]
        : [target];
    const hit = candidates.find((c) => existsSync(join(root, c)));
    if (hit) out.push(hit);
    else throw new Error(`${file} imports ${match[2]}, which does not exist`);
  }
  return out;
}

/** The dist files the package needs, sorted; throws when an entry or an import is missing. */
export function neededDistFiles(root) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const queue = packageTargets(pkg);
  for (const target of queue) {
    if (!existsSync(join(root, target))) throw new Error(`package.json names ${target}, which does not exist: run npm run build`);
  }
  const seen = new Set();
  while (queue.length > 0) {
    const file = queue.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    queue.push(...importsOf(root, file));
  }
  return [...seen].sort();
}

/** Every file under dir, relative to root, with "/" separators. */
export function listFiles(root, dir) {
  const out = [];
  const walk = (abs) => {
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      const path = join(abs, entry.name);
      if (entry.isDirectory()) walk(path);
      else out.push(relative(root, path).split(/[\\/]/).join('/'));
    }
  };
  if (existsSync(join(root, dir))) walk(join(root, dir));
  return out.sort();
}

