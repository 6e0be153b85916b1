/**
 * Runs a synthesized handler bundle inside the test process the way Lambda starts it: a
 * fresh module instance, initialised with the environment its template gives it. The
 * benchmarks measure bundles in child processes instead, so this stays with the tests;
 * reading the assembly is shared in tools/synthesized-handlers.ts.
 */
import { pathToFileURL } from 'node:url';
import {
  bundledHandlerFile,
  resolveEnvironment,
  type SynthesizedFunction,
} from '../../tools/synthesized-handlers.js';

let coldStarts = 0;
/** Cold starts borrow process.env, so they run one at a time. */
let importQueue: Promise<unknown> = Promise.resolve();

/**
 * Imports a fresh instance of a synthesized bundle with its template environment
 * (plus `extraEnv`, e.g. local endpoints) in `process.env` while the module initialises,
 * as Lambda would at cold start. Returns its exported handler.
 */
export function importBundledHandler<H>(
  outdir: string,
  fn: SynthesizedFunction,
  refs: Record<string, string>,
  extraEnv: Record<string, string> = {},
): Promise<H> {
  const next = importQueue.then(() => coldStart<H>(outdir, fn, refs, extraEnv));
  importQueue = next.catch(() => undefined);
  return next;
}

async function coldStart<H>(
  outdir: string,
  fn: SynthesizedFunction,
  refs: Record<string, string>,
  extraEnv: Record<string, string>,
): Promise<H> {
  const environment = resolveEnvironment(fn, refs);
  const { file, exportName } = bundledHandlerFile(outdir, fn);
  const saved = { ...process.env };
  Object.assign(process.env, environment, extraEnv);
  try {
    // A query string gives a new module instance: a new cold start with its own caches.
    coldStarts += 1;
    const url = `${pathToFileURL(file).href}?cold-start=${coldStarts}`;
    const module = (await import(/* @vite-ignore */ url)) as Record<string, unknown>;
    const handler = module[exportName];
    if (typeof handler !== 'function') throw new Error(`${fn.logicalId} bundle exports no ${exportName}`);
    return handler as H;
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}
