// publint (strict: warnings count) and @arethetypeswrong/cli against a packed tarball.
//   node scripts/lint-package.mjs [path/to/package.tgz]
// Without a path it packs the working tree first (after `npm run build`). Exits 1 on any problem.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');

// Read from node_modules directly: publint's exports map hides its package.json.
function binOf(pkg, name) {
  const dir = join(root, 'node_modules', pkg);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  return join(dir, typeof manifest.bin === 'string' ? manifest.bin : manifest.bin[name]);
}

let tarball = process.argv[2];
let scratch;
if (tarball === undefined) {
  scratch = mkdtempSync(join(tmpdir(), 'tpw-lint-'));
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], { cwd: root, encoding: 'utf8' });
  tarball = join(scratch, JSON.parse(out)[0].filename);
}

const checks = [
  ['publint', [binOf('publint', 'publint'), 'run', tarball, '--strict']],
  ['attw', [binOf('@arethetypeswrong/cli', 'attw'), tarball, '--format', 'ascii', '--no-color', '--no-emoji']],
];
let failed = false;
for (const [name, args] of checks) {
  const run = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
  const output = `${run.stdout}${run.stderr}`.trim();
  if (run.status !== 0) {
    failed = true;
    console.error(`--- ${name} failed (exit ${run.status}):\n${output}`);
  } else {
    console.log(`--- ${name}: ok\n${output.split('\n').slice(-3).join('\n')}`);
  }
}
if (scratch) rmSync(scratch, { recursive: true, force: true });
process.exitCode = failed ? 1 : 0;
