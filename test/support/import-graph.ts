/**
 * The import graph of this repository, read from source text: what the boundaries test
 * (test/boundaries.test.ts) checks its rules and cycles on. Static imports, `export ... from`,
 * `import()` (also in type positions) and `import x = require()` count; comments and
 * strings do not.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, posix, relative, sep } from 'node:path';
import ts from 'typescript';

/** Folders that hold no source of ours (.gitignore, plus dot-folders). */
const SKIPPED = new Set(['node_modules', 'dist', 'cdk.out', '.test-out', 'coverage']);

/** What `resolve` needs of package.json: the name and the exports a self-reference goes through. */
export interface PackageManifest {
  readonly name: string;
  readonly exports: Readonly<Record<string, string | { readonly default: string }>>;
}

/** Where an import leads: a file of this repository, a package, or a Node built-in. */
export type Target =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'package'; readonly name: string }
  | { readonly kind: 'builtin'; readonly name: string };

/** One import of one file. */
export interface Import {
  /** Repository path of the importing file, e.g. `client/index.ts`. */
  readonly from: string;
  readonly line: number;
  readonly specifier: string;
  readonly target: Target;
}

/** A boundary: which files it governs and which of their imports it refuses, and why. */
export interface Rule {
  readonly governs: (file: string) => boolean;
  /** Why the import is refused, or undefined when it is allowed. */
  readonly refuses: (target: Target, file: string) => string | undefined;
}

/** One import as written: its specifier and line. */
export type Specifier = Pick<Import, 'specifier' | 'line'>;

/**
 * The imports `text` writes, type-only ones included (a type import couples two files as
 * much as any other); comments and strings are not imports.
 */
export function specifiersOf(path: string, text: string): Specifier[] {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: Specifier[] = [];
  const add = (node: ts.Node | undefined) => {
    if (node && ts.isStringLiteralLike(node)) {
      const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
      found.push({ specifier: node.text, line });
    }
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) add(node.moduleSpecifier);
    else if (ts.isExportDeclaration(node)) add(node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node.arguments[0]);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** What resolving a specifier needs to know of the repository. */
export interface Resolution {
  /** Whether a repository path names a file. */
  readonly exists: (path: string) => boolean;
  /** The repository's package.json, for imports of its own name (`a55-token-broker/client`). */
  readonly manifest?: PackageManifest;
}

/** Where `specifier`, imported by the repository file `from`, leads. */
export function resolve(from: string, specifier: string, { exists, manifest }: Resolution): Target {
  if (specifier.startsWith('.')) {
    const path = posix.normalize(posix.join(posix.dirname(from), specifier));
    // NodeNext: `./x.js` names the source `./x.ts`.
    const candidates = [path.replace(/\.js$/, '.ts'), path, `${path}.ts`, `${path}/index.ts`];
    return { kind: 'file', path: candidates.find(exists) ?? (candidates[0] as string) };
  }
  const bare = specifier.replace(/^node:/, '');
  if (specifier.startsWith('node:') || builtinModules.includes(bare.split('/')[0] ?? bare)) {
    return { kind: 'builtin', name: bare };
  }
  const selfPrefix = `${manifest?.name}/`;
  if (manifest && specifier.startsWith(selfPrefix)) {
    const entry = manifest.exports[`./${specifier.slice(selfPrefix.length)}`];
    const path = typeof entry === 'string' ? entry : entry?.default;
    if (path) return { kind: 'file', path: posix.normalize(path) };
  }
  const parts = specifier.split('/');
  return {
    kind: 'package',
    name: specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? ''),
  };
}

/** Every TypeScript file below `dir`, as paths relative to `root`. */
function sourceFiles(root: string, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name.startsWith('.') || SKIPPED.has(entry.name)) return [];
    const full = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(root, full);
    return /\.(ts|mts|cts)$/.test(entry.name) ? [relative(root, full).split(sep).join('/')] : [];
  });
}

/**
 * The imports of the given files (repository path → text).
 * @param resolution by default, only the given files exist and there is no package name.
 */
export function importsOf(
  files: ReadonlyMap<string, string>,
  resolution: Resolution = { exists: (path) => files.has(path) },
): Import[] {
  return [...files].flatMap(([from, text]) =>
    specifiersOf(from, text).map((written) => ({
      from,
      ...written,
      target: resolve(from, written.specifier, resolution),
    })),
  );
}

/** The repository at `root`: its TypeScript files (path → text) and their imports. */
export function readRepository(root: string): { files: Map<string, string>; imports: Import[] } {
  const files = new Map(sourceFiles(root).map((path) => [path, readFileSync(join(root, path), 'utf8')]));
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageManifest;
  const exists = (path: string) => existsSync(join(root, path));
  return { files, imports: importsOf(files, { exists, manifest }) };
}

/** `file:line → specifier (why)` for every import of `imports` that `rule` refuses. */
export function violations(rule: Rule, imports: readonly Import[]): string[] {
  return imports.flatMap((entry) => {
    if (!rule.governs(entry.from)) return [];
    const why = rule.refuses(entry.target, entry.from);
    return why === undefined ? [] : [`${entry.from}:${entry.line} → ${entry.specifier} (${why})`];
  });
}

/**
 * Import cycles among the files, each as `a → b → a`, each reported once. Type-only
 * imports count: the cycle the layout redesign removed (local/jwt-check.ts ⇄
 * local/oauth-server.ts) was one.
 */
export function cycles(imports: readonly Import[]): string[] {
  const edges = new Map<string, Set<string>>();
  for (const { from, target } of imports) {
    if (target.kind === 'file' && target.path !== from) {
      edges.set(from, (edges.get(from) ?? new Set()).add(target.path));
    }
  }
  const found = new Map<string, string>();
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of [...(edges.get(file) ?? [])].sort()) {
      if (state.get(next) === 'open') {
        const cycle = stack.slice(stack.indexOf(next));
        found.set([...cycle].sort().join('|'), [...cycle, next].join(' → '));
      } else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of [...edges.keys()].sort()) if (!state.has(file)) visit(file);
  return [...found.values()];
}

/** The target as a message shows it. */
export function named(target: Target): string {
  return target.kind === 'file' ? target.path : `${target.kind} ${target.name}`;
}
