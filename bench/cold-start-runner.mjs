// One cold start, run by bench/cold-start.ts in a fresh `node` process: imports the bundle
// named by argv[2] (a file URL) the way the Lambda runtime loads a handler module, and
// prints how long that took. Plain JavaScript, so no TypeScript loader distorts the timing.
// performance.now() counts from this process's time origin (its start).
const beforeImportMs = performance.now();
const module = await import(process.argv[2]);
const afterImportMs = performance.now();
if (typeof module.handler !== 'function') {
  process.stderr.write(`${process.argv[2]} exports no handler\n`);
  process.exit(2);
}
process.stdout.write(JSON.stringify({ initMs: afterImportMs - beforeImportMs, readyMs: afterImportMs }));
