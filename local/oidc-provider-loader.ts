/**
 * Loads oidc-provider once per process, without its Node 20 runtime warning. Imported
 * lazily (not with a static import) so the warning can be filtered while it is printed.
 */
let providerModule: Promise<typeof import('oidc-provider')> | undefined;

/**
 * Imports oidc-provider once. Its entry point warns "Unsupported runtime" on Node 20 (it
 * asks for 22 LTS, yet runs here: the newer APIs it uses, crypto.hash and URL.parse,
 * exist in Node 20.18+);
 * that one line is filtered so test output stays readable.
 */
export function loadOidcProvider(): Promise<typeof import('oidc-provider')> {
  providerModule ??= (async () => {
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].includes('Unsupported runtime')) return;
      warn(...args);
    };
    try {
      return await import('oidc-provider');
    } finally {
      console.warn = warn;
    }
  })();
  return providerModule;
}
