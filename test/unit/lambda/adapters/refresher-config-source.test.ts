import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { TokenBrokerConfigError } from '../../../../contract/index.js';
import { readRefresherConfig } from '../../../../lambda/adapters/refresher-config-source.js';

const PATH = '/a55-token-broker/Stack/c8abc';

describe('Function: readRefresherConfig', () => {
  const ssm = mockClient(SSMClient);
  const dir = mkdtempSync(join(tmpdir(), 'refresher-config-'));
  const file = pathToFileURL(join(dir, 'refresher-config.json'));
  const missing = pathToFileURL(join(dir, 'none.json'));
  let clients = 0;
  const client = () => {
    clients += 1;
    return new SSMClient({ region: 'us-east-1' });
  };
  writeFileSync(file, '{"credentials": []}');

  beforeEach(() => {
    ssm.reset();
    clients = 0;
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the file and makes no AWS call when no parameter path is set', async () => {
    // Act
    const config = await readRefresherConfig({ file, env: {}, ssm: client });

    // Assess
    expect(config).toEqual({ file: '{"credentials": []}' });
    expect(clients).toBe(0);
    expect(ssm.calls()).toHaveLength(0);
  });

  it('answers nothing without a file: the refresher then reads CREDENTIALS', async () => {
    expect(await readRefresherConfig({ file: missing, env: {}, ssm: client })).toStrictEqual({});
  });

  it('reads the parameters without a file, and takes a blank path for none', async () => {
    // Prepare
    ssm.on(GetParametersByPathCommand).resolves({ Parameters: [] });

    // Act
    const withoutFile = await readRefresherConfig({
      file: missing,
      env: { SECRET_ID_PARAMETER_PATH: ` ${PATH} ` },
      ssm: client,
    });
    const blank = await readRefresherConfig({ file, env: { SECRET_ID_PARAMETER_PATH: '  ' }, ssm: client });

    // Assess
    expect(withoutFile).toStrictEqual({ parameters: new Map() });
    expect(blank).toStrictEqual({ file: '{"credentials": []}' });
    expect(ssm.commandCalls(GetParametersByPathCommand).map((call) => call.args[0].input.Path)).toEqual([
      PATH,
    ]);
  });

  it('fails on a file it cannot read for another reason than its absence', async () => {
    await expect(
      readRefresherConfig({ file: pathToFileURL(`${dir}/`), env: {}, ssm: client }),
    ).rejects.toMatchObject({ code: 'EISDIR' });
  });

  it('takes a page without parameters for none', async () => {
    ssm.on(GetParametersByPathCommand).resolves({});
    const config = await readRefresherConfig({ file, env: { SECRET_ID_PARAMETER_PATH: PATH }, ssm: client });
    expect(config.parameters).toStrictEqual(new Map());
  });

  it('skips a parameter without a name below the path or without a value', async () => {
    // Prepare
    ssm.on(GetParametersByPathCommand).resolves({
      Parameters: [
        { Name: `${PATH}/kept`, Value: '{"secretId":"arn-k"}' },
        { Value: '{"secretId":"arn-nameless"}' },
        { Name: `${PATH}/`, Value: '{"secretId":"arn-empty-name"}' },
        { Name: `${PATH}/empty`, Value: '' },
      ],
    });

    // Act
    const config = await readRefresherConfig({ file, env: { SECRET_ID_PARAMETER_PATH: PATH }, ssm: client });

    // Assess
    expect(config.parameters).toStrictEqual(new Map([['kept', '{"secretId":"arn-k"}']]));
  });

  it('reads every page of the parameters under the path, by set name, and only that level', async () => {
    // Prepare: two pages, as GetParametersByPath answers ten at a time
    ssm
      .on(GetParametersByPathCommand, { Path: PATH, NextToken: undefined })
      .resolves({ Parameters: [{ Name: `${PATH}/a`, Value: '{"secretId":"arn-a"}' }], NextToken: 'next' })
      .on(GetParametersByPathCommand, { Path: PATH, NextToken: 'next' })
      .resolves({ Parameters: [{ Name: `${PATH}/b`, Value: '{"secretId":"arn-b"}' }] });

    // Act
    const config = await readRefresherConfig({ file, env: { SECRET_ID_PARAMETER_PATH: PATH }, ssm: client });

    // Assess
    expect(config.parameters).toEqual(
      new Map([
        ['a', '{"secretId":"arn-a"}'],
        ['b', '{"secretId":"arn-b"}'],
      ]),
    );
    expect(ssm.commandCalls(GetParametersByPathCommand).map((call) => call.args[0].input)).toStrictEqual([
      { Path: PATH, Recursive: false, MaxResults: 10 },
      { Path: PATH, Recursive: false, MaxResults: 10, NextToken: 'next' },
    ]);
  });

  it('fails the cold start naming the path and the permission when the parameters cannot be read', async () => {
    // Prepare
    const denied = Object.assign(new Error('User is not authorized to perform ssm:GetParametersByPath'), {
      name: 'AccessDeniedException',
    });
    ssm.on(GetParametersByPathCommand).rejects(denied);

    // Act
    const reading = readRefresherConfig({ file, env: { SECRET_ID_PARAMETER_PATH: PATH }, ssm: client });

    // Assess
    await expect(reading).rejects.toBeInstanceOf(TokenBrokerConfigError);
    await expect(reading).rejects.toThrow(
      `cannot read the credential set parameters under ${PATH} (ssm:GetParametersByPath on that path): AccessDeniedException; the refresher retries at its next cold start`,
    );
    await expect(reading).rejects.toHaveProperty('cause', denied);
  });
});
