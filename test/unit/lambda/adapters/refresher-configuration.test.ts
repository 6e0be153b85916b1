import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  formatRefresherConfig,
  parseRefresherEnvironment,
  REFRESHER_PARAMETERS_MAX_AGE_SECONDS,
  REFRESHER_PARAMETERS_RETRY_SECONDS,
  TokenBrokerConfigError,
} from '../../../../contract/index.js';
import { RefresherConfiguration } from '../../../../lambda/adapters/refresher-configuration.js';
import { ManualClock } from '../../../fakes/in-memory.js';

const PATH = '/a55-token-broker/Stack/c8abc';
const MAX_AGE_MS = REFRESHER_PARAMETERS_MAX_AGE_SECONDS * 1000;
const RETRY_MS = REFRESHER_PARAMETERS_RETRY_SECONDS * 1000;
const TOKEN_URL = 'https://auth.example.test/oauth2/token';

describe('Class: RefresherConfiguration', () => {
  const ssm = mockClient(SSMClient);
  const dir = mkdtempSync(join(tmpdir(), 'refresher-configuration-'));
  const file = pathToFileURL(join(dir, 'refresher-config.json'));
  writeFileSync(
    file,
    formatRefresherConfig([
      { name: 'sandbox', tokenUrl: TOKEN_URL, parameter: 'ffff', parameterFields: ['secretId'] },
    ]),
  );
  const env = { TABLE_NAME: 'tokens', SECRET_ID_PARAMETER_PATH: PATH };
  let clients = 0;
  const ssmClient = () => {
    clients += 1;
    return new SSMClient({ region: 'us-east-1' });
  };
  const parameterHolds = (secretId: string) =>
    ssm
      .on(GetParametersByPathCommand)
      .resolves({ Parameters: [{ Name: `${PATH}/sandbox`, Value: JSON.stringify({ secretId }) }] });
  const load = (clock: ManualClock, variables: Record<string, string> = env) =>
    RefresherConfiguration.load({ file, env: variables, ssm: ssmClient }, parseRefresherEnvironment, clock);
  const secretIdOf = (configuration: { credentials: readonly { secretId: string }[] }) =>
    configuration.credentials[0]?.secretId;

  beforeEach(() => {
    ssm.reset();
    clients = 0;
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the parameters at cold start and again only once they are the maximum age old', async () => {
    // Prepare
    const clock = new ManualClock();
    parameterHolds('arn:secret-1');
    const configuration = await load(clock);

    // Act: the parameter changes; one call just before the age, one at it, one just after
    parameterHolds('arn:secret-2');
    clock.advance(MAX_AGE_MS - 1);
    const young = await configuration.current();
    clock.advance(1);
    const due = await configuration.current();
    clock.advance(MAX_AGE_MS - 1);
    const readAgain = await configuration.current();

    // Assess
    expect(secretIdOf(configuration.value)).toBe('arn:secret-2');
    expect([young, due, readAgain].map(({ value }) => secretIdOf(value))).toEqual([
      'arn:secret-1',
      'arn:secret-2',
      'arn:secret-2',
    ]);
    expect(due.stale).toBeUndefined();
    expect(ssm.commandCalls(GetParametersByPathCommand)).toHaveLength(2);
    expect(ssm.commandCalls(GetParametersByPathCommand)[1]?.args[0].input).toEqual({
      Path: PATH,
      Recursive: false,
      MaxResults: 10,
    });
    expect(clients).toBe(1);
  });

  it('parses the variables as they were at cold start when it reads the parameters again', async () => {
    // Prepare: the variables object changes after the cold start (the process's env is shared)
    const clock = new ManualClock();
    const variables: Record<string, string> = { ...env };
    parameterHolds('arn:secret-1');
    const configuration = await load(clock, variables);
    delete variables.TABLE_NAME;
    variables.SECRET_ID_PARAMETER_PATH = '/elsewhere';

    // Act
    clock.advance(MAX_AGE_MS);
    const { value } = await configuration.current();

    // Assess
    expect(value.tableName).toBe('tokens');
    expect(ssm.commandCalls(GetParametersByPathCommand).map((call) => call.args[0].input.Path)).toEqual([
      PATH,
      PATH,
    ]);
  });

  it('never reads Parameter Store when no parameter path is set (or a blank one)', async () => {
    // Prepare
    const clock = new ManualClock();
    // A blank path is none, as at cold start.
    const variables = {
      TABLE_NAME: 'tokens',
      SECRET_ID_PARAMETER_PATH: ' ',
      CREDENTIALS: JSON.stringify([{ name: 'a', secretId: 's' }]),
    };
    const configuration = await RefresherConfiguration.load(
      { file: pathToFileURL(join(dir, 'none.json')), env: variables, ssm: ssmClient },
      parseRefresherEnvironment,
      clock,
    );

    // Act
    clock.advance(10 * MAX_AGE_MS);
    const { value, stale } = await configuration.current();

    // Assess
    expect(secretIdOf(value)).toBe('s');
    expect(stale).toBeUndefined();
    expect(clients).toBe(0);
  });

  it('reads nothing when the variable is absent', async () => {
    const variables = { TABLE_NAME: 'tokens', CREDENTIALS: JSON.stringify([{ name: 'a', secretId: 's' }]) };
    const clock = new ManualClock();
    const configuration = await RefresherConfiguration.load(
      { file: pathToFileURL(join(dir, 'none.json')), env: variables, ssm: ssmClient },
      parseRefresherEnvironment,
      clock,
    );
    clock.advance(MAX_AGE_MS);
    expect(secretIdOf((await configuration.current()).value)).toBe('s');
    expect(clients).toBe(0);
  });

  it('keeps the values read before when the parameters cannot be read again, and tries again a minute later', async () => {
    // Prepare
    const clock = new ManualClock();
    parameterHolds('arn:secret-1');
    const configuration = await load(clock);
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    ssm.reset();
    ssm.on(GetParametersByPathCommand).rejectsOnce(throttled);
    clock.advance(MAX_AGE_MS);

    // Act: the failed read, invocations during the back-off, then the read after it
    const outage = await configuration.current();
    parameterHolds('arn:secret-2');
    clock.advance(RETRY_MS - 1);
    const backingOff = await configuration.current();
    const readsDuringBackOff = ssm.commandCalls(GetParametersByPathCommand).length;
    clock.advance(1);
    const recovered = await configuration.current();

    // Assess
    expect(secretIdOf(outage.value)).toBe('arn:secret-1');
    expect(outage.stale).toBeInstanceOf(TokenBrokerConfigError);
    expect(outage.stale?.message).toBe(
      `cannot read the credential set parameters under ${PATH} (ssm:GetParametersByPath on that path): ThrottlingException; the refresher keeps the values it read before and tries again in ${REFRESHER_PARAMETERS_RETRY_SECONDS} s`,
    );
    expect(outage.stale?.cause).toBe(throttled);
    expect(secretIdOf(backingOff.value)).toBe('arn:secret-1');
    expect(backingOff.stale).toBeUndefined();
    expect(readsDuringBackOff).toBe(1);
    expect(secretIdOf(recovered.value)).toBe('arn:secret-2');
    expect(recovered.stale).toBeUndefined();
    expect(ssm.commandCalls(GetParametersByPathCommand)).toHaveLength(2);
    // A good read waits the full age again
    clock.advance(MAX_AGE_MS - 1);
    await configuration.current();
    expect(ssm.commandCalls(GetParametersByPathCommand)).toHaveLength(2);
  });

  it('marks only the set whose parameter is bad unusable, at cold start and when read again; the others keep theirs', async () => {
    // Prepare: two sets, each with a parameter; beta's is hand-edited to a bad value
    const twoSets = pathToFileURL(join(dir, 'two-sets.json'));
    writeFileSync(
      twoSets,
      formatRefresherConfig(
        ['alpha', 'beta'].map((name) => ({
          name,
          tokenUrl: TOKEN_URL,
          parameter: 'ffff',
          parameterFields: ['secretId' as const],
        })),
      ),
    );
    const holds = (values: Record<string, string>) =>
      ssm.on(GetParametersByPathCommand).resolves({
        Parameters: Object.entries(values).map(([name, secretId]) => ({
          Name: `${PATH}/${name}`,
          Value: JSON.stringify({ secretId }),
        })),
      });
    const clock = new ManualClock();
    holds({ alpha: 'arn:alpha-1', beta: '' });
    const sets = (value: { credentials: readonly { name: string; secretId: string; unusable?: Error }[] }) =>
      value.credentials.map(({ name, secretId, unusable }) => ({
        name,
        secretId,
        unusable: unusable?.message,
      }));
    const badBeta = `credential set 'beta': parameter ${PATH}/beta secretId: '' must be a non-empty string; put back the value the stack deploys`;

    // Act: a cold start with beta bad; beta fixed; beta bad again
    const configuration = await RefresherConfiguration.load(
      { file: twoSets, env, ssm: ssmClient },
      parseRefresherEnvironment,
      clock,
    );
    const coldStart = sets(configuration.value);
    holds({ alpha: 'arn:alpha-2', beta: 'arn:beta-2' });
    clock.advance(MAX_AGE_MS);
    const fixed = await configuration.current();
    holds({ alpha: 'arn:alpha-3', beta: '' });
    clock.advance(MAX_AGE_MS);
    const brokenAgain = await configuration.current();
    clock.advance(1_000);
    await configuration.current();

    // Assess
    expect(coldStart).toEqual([
      { name: 'alpha', secretId: 'arn:alpha-1', unusable: undefined },
      { name: 'beta', secretId: '', unusable: expect.stringContaining(badBeta) },
    ]);
    expect(sets(fixed.value)).toEqual([
      { name: 'alpha', secretId: 'arn:alpha-2', unusable: undefined },
      { name: 'beta', secretId: 'arn:beta-2', unusable: undefined },
    ]);
    expect(fixed.stale).toBeUndefined();
    expect(sets(brokenAgain.value)).toEqual([
      { name: 'alpha', secretId: 'arn:alpha-3', unusable: undefined },
      { name: 'beta', secretId: '', unusable: expect.stringContaining(badBeta) },
    ]);
    expect(brokenAgain.stale).toBeUndefined();
    // A bad value is one read like any other: no Parameter Store call per invocation
    expect(ssm.commandCalls(GetParametersByPathCommand)).toHaveLength(3);
  });

  it('keeps the values read before when the values read cannot be parsed at all, and backs off too', async () => {
    // Prepare: a parse that accepts the cold start's values and throws on the next
    const clock = new ManualClock();
    parameterHolds('arn:secret-1');
    let parses = 0;
    const failures = [
      new TokenBrokerConfigError('a whole-file problem'),
      new Error('a bug: secret-ish detail'),
    ];
    const configuration = await RefresherConfiguration.load(
      { file, env, ssm: ssmClient },
      (variables, source) => {
        parses += 1;
        const failure = parses > 1 ? failures.shift() : undefined;
        if (failure) throw failure;
        return parseRefresherEnvironment(variables, source);
      },
      clock,
    );

    // Act
    clock.advance(MAX_AGE_MS);
    const configProblem = await configuration.current();
    clock.advance(RETRY_MS);
    const bug = await configuration.current();
    clock.advance(RETRY_MS - 1);
    await configuration.current();

    // Assess
    expect(secretIdOf(configProblem.value)).toBe('arn:secret-1');
    expect(configProblem.stale?.message).toBe('a whole-file problem');
    expect(secretIdOf(bug.value)).toBe('arn:secret-1');
    expect(bug.stale).toBeInstanceOf(TokenBrokerConfigError);
    expect(bug.stale?.message).toBe(
      'the credential set parameters read could not be parsed; the refresher keeps the values it read before',
    );
    expect(ssm.commandCalls(GetParametersByPathCommand)).toHaveLength(3);
  });
});
