// The public API, one report per entry point: every exported name with its kind and type
// signature, as the TypeScript checker sees the sources. Reports live in test/api/ and
// test/api-report.test.ts compares them with the code.
//   node scripts/api-report.mjs           write the reports (npm run api:update)
//   node scripts/api-report.mjs --check   exit 1, listing the names that changed, when they differ
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(import.meta.dirname, '..');
export const REPORT_DIR = join(root, 'test', 'api');

/** Entry points from package.json's exports: "./web" -> src/web/index.ts, "." -> src/index.ts. */
export function entryPoints() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return Object.keys(pkg.exports)
    .filter((key) => key !== './package.json')
    .map((key) => {
      const sub = key === '.' ? '' : key.slice(2);
      return { key, report: `${sub === '' ? 'index' : sub.replace(/\//g, '-')}.api.md`, source: join(root, 'src', sub, 'index.ts') };
    });
}

const SRC = `${join(root, 'src')}/`.split('\\').join('/');
const isOwn = (sourceFile) => sourceFile.fileName.split('\\').join('/').startsWith(SRC);

const FORMAT = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseSingleQuotesForStringLiteralType | ts.TypeFormatFlags.WriteArrowStyleSignature;
// typeToString names a type the entry does not export by its module path; the path is noise.
const clean = (text) => text.replace(/import\("[^"]*"\)\./g, '').replace(/\s+/g, ' ');

function describeSymbol(checker, exported, where) {
  const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
  const name = exported.name;
  const lines = [];
  const typeText = (type, flags = 0) => clean(checker.typeToString(type, where, FORMAT | flags));
  const sig = (s) => clean(checker.signatureToString(s, where, FORMAT & ~ts.TypeFormatFlags.WriteArrowStyleSignature));
  const typeParams = (declared) => {
    const params = declared?.typeParameters ?? declared?.target?.typeParameters;
    return params?.length ? `<${params.map((p) => typeText(p)).join(', ')}>` : '';
  };
  const members = (type) => {
    const out = [];
    for (const s of type.getCallSignatures()) out.push(`  ${sig(s)}`);
    for (const s of type.getConstructSignatures()) out.push(`  new ${sig(s)}`);
    for (const info of checker.getIndexInfosOfType(type)) out.push(`  [key: ${typeText(info.keyType)}]: ${typeText(info.type)}`);
    for (const prop of checker.getPropertiesOfType(type)) {
      const decl = prop.valueDeclaration ?? prop.declarations?.[0];
      const modifiers = decl ? ts.getCombinedModifierFlags(decl) : 0;
      if (modifiers & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected) || prop.name.startsWith('#') || prop.name === 'prototype') continue;
      // Members inherited from outside the package (Error's stack, Node's types) are not its API.
      if (!prop.declarations?.some((d) => isOwn(d.getSourceFile()))) continue;
      const shownName = prop.name.replace(/^__@(\w+)@\d+$/, '[Symbol.$1]');
      const optional = prop.flags & ts.SymbolFlags.Optional ? '?' : '';
      const readonly = modifiers & ts.ModifierFlags.Readonly ? 'readonly ' : '';
      const propType = checker.getTypeOfSymbol(prop);
      const calls = prop.flags & ts.SymbolFlags.Method ? propType.getCallSignatures() : [];
      if (calls.length > 0) for (const s of calls) out.push(`  ${shownName}${optional}${sig(s)}`);
      else out.push(`  ${readonly}${shownName}${optional}: ${typeText(propType)}`);
    }
    return out;
  };

  if (symbol.flags & ts.SymbolFlags.Class) {
    const instance = checker.getDeclaredTypeOfSymbol(symbol);
    const bases = instance.getBaseTypes?.() ?? [];
    lines.push(`class ${name}${typeParams(instance)}${bases.length ? ` extends ${bases.map((b) => typeText(b)).join(', ')}` : ''} {`);
    const statics = checker.getTypeOfSymbol(symbol);
    for (const line of members(statics)) lines.push(line.replace(/^ {2}(?!new )/, '  static '));
    lines.push(...members(instance), '}');
  } else {
    if (symbol.flags & ts.SymbolFlags.Function) {
      for (const s of checker.getTypeOfSymbol(symbol).getCallSignatures()) lines.push(`function ${name}${sig(s)}`);
    } else if (symbol.flags & (ts.SymbolFlags.Variable | ts.SymbolFlags.Property)) {
      const decl = symbol.valueDeclaration;
      const isConst = decl && ts.isVariableDeclaration(decl) && (ts.getCombinedNodeFlags(decl) & ts.NodeFlags.Const) !== 0;
      lines.push(`${isConst ? 'const' : 'let'} ${name}: ${typeText(checker.getTypeOfSymbol(symbol))}`);
    }
    if (symbol.flags & ts.SymbolFlags.Interface) {
      const declared = checker.getDeclaredTypeOfSymbol(symbol);
      lines.push(`interface ${name}${typeParams(declared)} {`, ...members(declared), '}');
    }
    if (symbol.flags & ts.SymbolFlags.TypeAlias) {
      const declared = checker.getDeclaredTypeOfSymbol(symbol);
      const aliasParams = symbol.declarations?.[0]?.typeParameters?.map((p) => p.getText()).join(', ');
      lines.push(`type ${name}${aliasParams ? `<${aliasParams}>` : ''} = ${typeText(declared, ts.TypeFormatFlags.InTypeAlias)}`);
    }
  }
  if (lines.length === 0) lines.push(`${name}: unknown kind (flags ${symbol.flags})`);
  return { name, text: lines.join('\n') };
}

/** Each entry's exports, sorted by name: [{ entry, report, exports: [{ name, text }] }]. */
export function collectApi() {
  const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  const entries = entryPoints();
  const program = ts.createProgram(entries.map((e) => e.source), { ...config.options, noEmit: true });
  const checker = program.getTypeChecker();
  return entries.map((entry) => {
    const file = program.getSourceFile(entry.source);
    if (!file) throw new Error(`${entry.key}: ${entry.source} not found`);
    const moduleSymbol = checker.getSymbolAtLocation(file);
    const exports = checker.getExportsOfModule(moduleSymbol).map((s) => describeSymbol(checker, s, file));
    exports.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { ...entry, exports };
  });
}

export function renderReport(entry) {
  const specifier = entry.key === '.' ? 'thunderphone-webhooks' : `thunderphone-webhooks/${entry.key.slice(2)}`;
  return [
    `# API report: \`${specifier}\``,
    '',
    'Generated by `npm run api:update` from the sources; test/api-report.test.ts fails when the code',
    'no longer matches. Review changes here as changes to the public API (and note them in CHANGELOG.md).',
    '',
    `${entry.exports.length} exports.`,
    '',
    ...entry.exports.flatMap((e) => [`## ${e.name}`, '', '```ts', e.text, '```', '']),
  ].join('\n');
}

/** The exports in a committed report: name -> text. */
export function parseReport(markdown) {
  const out = new Map();
  for (const match of markdown.matchAll(/^## (\S+)\n\n```ts\n([\s\S]*?)\n```$/gm)) out.set(match[1], match[2]);
  return out;
}

/** What differs between the code and the committed reports, per entry; [] when they match. */
export function compareWithReports(api = collectApi()) {
  const problems = [];
  const expectedFiles = new Set(api.map((e) => e.report));
  for (const entry of api) {
    const path = join(REPORT_DIR, entry.report);
    const committed = existsSync(path) ? parseReport(readFileSync(path, 'utf8')) : undefined;
    if (!committed) {
      problems.push({ entry: entry.key, report: entry.report, kind: 'no report', names: entry.exports.map((e) => e.name) });
      continue;
    }
    const current = new Map(entry.exports.map((e) => [e.name, e.text]));
    const removed = [...committed.keys()].filter((n) => !current.has(n));
    const added = [...current.keys()].filter((n) => !committed.has(n));
    const changed = [...current.keys()].filter((n) => committed.has(n) && committed.get(n) !== current.get(n));
    if (removed.length) problems.push({ entry: entry.key, report: entry.report, kind: 'removed', names: removed });
    if (added.length) problems.push({ entry: entry.key, report: entry.report, kind: 'added', names: added });
    if (changed.length) problems.push({ entry: entry.key, report: entry.report, kind: 'changed signature', names: changed });
  }
  if (existsSync(REPORT_DIR)) {
    for (const file of readdirSync(REPORT_DIR)) {
      if (file.endsWith('.api.md') && !expectedFiles.has(file)) problems.push({ entry: file, report: file, kind: 'entry point gone', names: [] });
    }
  }
  return problems;
}

export function describeProblems(problems) {
  return [
    'The public API no longer matches test/api/:',
    ...problems.map((p) => `  ${p.entry} (${p.report}): ${p.kind}${p.names.length ? `: ${p.names.join(', ')}` : ''}`),
    'If the change is intended, run `npm run api:update`, review the diff of test/api/ and commit it',
    '(a removed or renamed export breaks users: note it in CHANGELOG.md).',
  ].join('\n');
}

export function writeReports(api = collectApi()) {
  mkdirSync(REPORT_DIR, { recursive: true });
  for (const file of readdirSync(REPORT_DIR)) if (file.endsWith('.api.md')) rmSync(join(REPORT_DIR, file));
  for (const entry of api) writeFileSync(join(REPORT_DIR, entry.report), renderReport(entry));
  return api;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  if (process.argv.includes('--check')) {
    const problems = compareWithReports();
    if (problems.length > 0) {
      console.error(describeProblems(problems));
      process.exitCode = 1;
    } else console.log('API reports match the code.');
  } else {
    const api = writeReports();
    console.log(`wrote ${api.map((e) => `test/api/${e.report} (${e.exports.length})`).join(', ')}`);
  }
}
