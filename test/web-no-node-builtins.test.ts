// Proves the `thunderphone-webhooks/web` entry needs no Node built-in: first by walking the
// source import graph, then by checking the built bundle, then by running the bundle in a
// context that has only Web-standard globals (no process, Buffer or require).
import { beforeAll, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ENTRY = join(ROOT, 'src/web/index.ts');
const SECRET = 'whsec_test_secret';

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const isBuiltin = (specifier: string) => specifier.startsWith('node:') || builtins.has(specifier) || builtins.has(specifier.split('/')[0] as string);

/** Node-only globals that a Web runtime (Workers, Deno without compat, browsers) lacks. */
const NODE_GLOBALS = new Set(['process', 'Buffer', 'require', 'module', '__dirname', '__filename', 'global', 'NodeJS', 'setImmediate']);

interface Scan {
  specifiers: string[];
  nodeGlobals: string[];
}

/** Every module specifier (static, re-export, dynamic, require) and every Node-only global a file uses. */
function scan(file: string): Scan {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const specifiers: string[] = [];
  const nodeGlobals: string[] = [];
  const visit = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      specifiers.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.arguments[0] && ts.isStringLiteralLike(node.arguments[0])) {
      if (node.expression.kind === ts.SyntaxKind.ImportKeyword) specifiers.push(node.arguments[0].text);
      if (ts.isIdentifier(node.expression) && node.expression.text === 'require') specifiers.push(node.arguments[0].text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      specifiers.push(node.argument.literal.text);
    } else if (ts.isIdentifier(node) && NODE_GLOBALS.has(node.text) && isReference(node)) {
      nodeGlobals.push(`${file.slice(ROOT.length + 1)}: ${node.text}`);
    } else if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'globalThis' && NODE_GLOBALS.has(node.name.text)) {
      nodeGlobals.push(`${file.slice(ROOT.length + 1)}: globalThis.${node.name.text}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { specifiers, nodeGlobals };
}

// `x.process` or `{ process: 1 }` name a property, not the global.
function isReference(node: ts.Identifier): boolean {
  const parent = node.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.name === node) return false;
  if ((ts.isPropertyAssignment(parent) || ts.isPropertySignature(parent) || ts.isPropertyDeclaration(parent) || ts.isMethodDeclaration(parent)) && parent.name === node) return false;
  if (ts.isQualifiedName(parent) && parent.right === node) return false;
  return true;
}

/** Follows every relative import from the entry; returns the files reached and all specifiers seen. */
function walk(entry: string) {
  const files = new Set<string>();
  const specifiers = new Set<string>();
  const nodeGlobals: string[] = [];
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (files.has(file)) continue;
    files.add(file);
    const found = scan(file);
    nodeGlobals.push(...found.nodeGlobals);
    for (const specifier of found.specifiers) {
      specifiers.add(specifier);
      if (!specifier.startsWith('.')) continue;
      const target = resolve(dirname(file), specifier.replace(/\.js$/, '.ts'));
      if (!existsSync(target)) throw new Error(`${file} imports ${specifier}, which does not resolve to a .ts file`);
      queue.push(target);
    }
  }
  return { files: [...files].map((f) => f.slice(ROOT.length + 1)).sort(), specifiers: [...specifiers], nodeGlobals };
}

describe('the web entry, by its source import graph', () => {
  const graph = walk(ENTRY);

  it('reaches the core files it needs (the walk follows imports)', () => {
    expect(graph.files).toContain('src/web/index.ts');
    expect(graph.files).toContain('src/core/receiver.ts');
    expect(graph.files).toContain('src/core/tool-receiver.ts');
    expect(graph.files).toContain('src/web/webcrypto-verifier.ts');
  });

  it('never imports the Node crypto verifier or the Node adapter', () => {
    expect(graph.files).not.toContain('src/core/signature.ts');
    expect(graph.files).not.toContain('src/core/create-receiver.ts');
    expect(graph.files.filter((f) => f.startsWith('src/node/'))).toEqual([]);
  });

  it('imports no Node built-in and no package at all', () => {
    expect(graph.specifiers.filter(isBuiltin)).toEqual([]);
    expect(graph.specifiers.filter((s) => !s.startsWith('.'))).toEqual([]);
  });

  it('uses no Node-only global (process, Buffer, require, ...)', () => {
    expect(graph.nodeGlobals).toEqual([]);
  });

  it('would catch a Node import or global (the scanner is not blind)', () => {
    const found = scan(join(ROOT, 'src/core/signature.ts'));
    expect(found.specifiers.filter(isBuiltin)).toEqual(['node:crypto']);
    expect(found.nodeGlobals).toEqual(['src/core/signature.ts: Buffer']);
  });
});

describe('the built web bundle', () => {
  const bundles = { esm: join(ROOT, 'dist/web/index.js'), cjs: join(ROOT, 'dist/web/index.cjs') };

  // dist/ is built by `npm test` (pretest); when running this file alone, run `npm run build` first.
  beforeAll(() => {
    for (const file of Object.values(bundles)) {
      if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
    }
  });

  /** Every module the bundle would load at run time. */
  function externals(code: string): string[] {
    const patterns = [/\bfrom\s*["']([^"']+)["']/g, /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g, /\brequire\s*\(\s*["']([^"']+)["']\s*\)/g, /^\s*import\s*["']([^"']+)["']/gm];
    return patterns.flatMap((p) => [...code.matchAll(p)].map((m) => m[1] as string));
  }

  it.each(Object.entries(bundles))('the %s bundle loads no module at all (so no node:, crypto or raw-body)', (_format, file) => {
    const code = readFileSync(file, 'utf8');
    expect(externals(code)).toEqual([]);
    expect(code).not.toMatch(/require\(["']node:|from ["']node:|from ["']crypto["']|require\(["']crypto["']\)/);
    expect(code).not.toContain('raw-body');
    expect(code).not.toContain('timingSafeEqual');
  });

  it('the scan of the bundle would see a Node import (the main entry has them)', () => {
    // tsup writes node:crypto as plain "crypto", which is why bare builtin names are checked too.
    const main = externals(readFileSync(join(ROOT, 'dist/index.js'), 'utf8'));
    expect(main).toEqual(expect.arrayContaining(['crypto', 'raw-body']));
    expect(main.filter(isBuiltin)).toContain('crypto');
  });

  it('runs in a context with only Web-standard globals: no process, Buffer or require', async () => {
    const sandbox = {
      Request,
      Response,
      Headers,
      ReadableStream,
      TextEncoder,
      TextDecoder,
      AbortController,
      AbortSignal,
      URL,
      crypto: globalThis.crypto,
      console,
      setTimeout,
      clearTimeout,
      module: { exports: {} as Record<string, unknown> },
    };
    const context = vm.createContext(sandbox);
    expect(vm.runInContext('typeof process + typeof Buffer + typeof require', context)).toBe('undefinedundefinedundefined');
    vm.runInContext(`(function (module, exports) { ${readFileSync(bundles.cjs, 'utf8')}\n})(module, module.exports);`, context, { filename: bundles.cjs });
    const web = sandbox.module.exports as typeof import('../src/web/index.js');
    const quiet = web.silentLogger;

    const body = '{"data":{"call_id":987654321,"from_number":"+14155550199","to_number":"+15551234567"},"type":"call.incoming"}';
    const signature = createHmac('sha256', SECRET).update(body).digest('hex');
    const config = { prompt: 'Be brief.', voice: 'en-US-Ava' };
    const POST = web.createWebHandler({ secret: SECRET, logger: quiet, handlers: { 'call.incoming': () => config } });

    const ok = await POST(new Request('http://localhost/hook', { method: 'POST', headers: { 'x-thunderphone-signature': signature }, body }));
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe(JSON.stringify(config));

    const bad = await POST(new Request('http://localhost/hook', { method: 'POST', headers: { 'x-thunderphone-signature': 'f'.repeat(64) }, body }));
    expect(bad.status).toBe(401);

    const args = '{"date":"2025-01-02"}';
    const tool = web.createWebHandler(web.toolHandler({ secret: SECRET, logger: quiet }, (a, { callId }) => ({ got: a.date, callId })));
    const reply = await tool(
      new Request('http://localhost/tool', {
        method: 'POST',
        headers: { 'x-thunderphone-signature': createHmac('sha256', SECRET).update(args).digest('hex'), 'x-thunderphone-call-id': '12345678901234567890' },
        body: args,
      }),
    );
    expect(await reply.json()).toEqual({ got: '2025-01-02', callId: '12345678901234567890' });
  });
});
