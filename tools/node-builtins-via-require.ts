/**
 * An esbuild plugin for the Lambda assets: Node's built-in modules are loaded with
 * `require()`, not with ESM `import`. Why: importing a built-in from ESM builds its ESM
 * facade, which reads every export once, and that runs the lazy getters Node keeps for
 * rarely used parts. `node:http`'s `WebSocket`/`EventSource` getters load the whole
 * internal undici, `node:crypto`'s `webcrypto` loads WebCrypto and X.509, `node:process`'s
 * `report` loads the diagnostic report: tens of milliseconds of a cold start spent on
 * code the broker never calls (bench: reader module init). `require()` returns the module
 * object without touching its getters. The bundle's banner defines `require`
 * (`createRequire`), so the output stays ESM.
 */
import { isBuiltin } from 'node:module';
import type { Plugin } from 'esbuild';

const NAMESPACE = 'node-builtin-via-require';

/** Routes every import of a Node built-in through a CommonJS `require()` shim. */
export const nodeBuiltinsViaRequire: Plugin = {
  name: 'node-builtins-via-require',
  setup(build) {
    build.onResolve({ filter: /^[a-z_:/0-9]+$/ }, (args) => {
      if (!isBuiltin(args.path)) return undefined;
      // The shim's own require(), and require() calls in bundled CommonJS code, stay
      // require() calls (esbuild emits them through the banner's `require`).
      if (args.namespace === NAMESPACE || args.kind === 'require-call')
        return { path: args.path, external: true };
      return { path: args.path, namespace: NAMESPACE };
    });
    build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({
      // CommonJS, so esbuild reads named imports off the module object where they are
      // used (import_x.name), never enumerating it.
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};
