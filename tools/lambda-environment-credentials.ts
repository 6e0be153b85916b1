/**
 * An esbuild plugin for the Lambda assets: the AWS SDK clients take their credentials from
 * the environment only. Lambda gives a function its execution role's credentials as
 * `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`; the SDK's default
 * chain (`@aws-sdk/credential-provider-node`) tries them first too, so in Lambda both give
 * the same credentials.
 *
 * Why not keep the chain: it brings the SSO, SSO-OIDC and STS clients. They are loaded only
 * through dynamic `import()`, but with code splitting every module they share with the
 * handler (the protocol barrels of `@aws-sdk/core`: Query, EC2 and XML codecs) lands in a
 * chunk the handler loads at start, and every cold start compiles it (bench: reader module
 * init). The consumer client (`client/`) keeps the full chain: callers run anywhere.
 *
 * Outside Lambda (tests, the local broker, the bench) the built handlers need the same
 * variables; without them a call fails with the SDK's "Unable to find environment
 * variable credentials".
 */
import type { Plugin } from 'esbuild';

const NAMESPACE = 'lambda-environment-credentials';

/** Resolves `@aws-sdk/credential-provider-node` to a module whose `defaultProvider` is `fromEnv`. */
export const lambdaEnvironmentCredentials: Plugin = {
  name: 'lambda-environment-credentials',
  setup(build) {
    build.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, (args) => ({
      path: args.path,
      namespace: NAMESPACE,
      pluginData: { resolveDir: args.resolveDir },
    }));
    build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({
      // The only name the SDK clients import from the chain's package (their runtimeConfig).
      contents: "export { fromEnv as defaultProvider } from '@aws-sdk/credential-provider-env';",
      loader: 'js',
      // Resolve the env provider from where the SDK client asked for the chain.
      resolveDir: (args.pluginData as { resolveDir: string }).resolveDir,
    }));
  },
};
