import { describe, expect, it } from 'vitest';
import { CLI_DEFAULTS, HELP_TEXT, parseCliOptions, STORE_OPTIONS } from '../../../local/cli-options.js';
import { LocalBrokerError } from '../../../local/errors.js';

describe('Function: parseCliOptions', () => {
  it('takes the defaults when no flag is given', () => {
    expect(parseCliOptions([])).toEqual({
      port: CLI_DEFAULTS.port,
      intervalMinutes: 50,
      dynamoDbPort: 0,
      store: 'auto',
      json: false,
      help: false,
    });
  });

  it('reads every flag', () => {
    expect(
      parseCliOptions([
        '--port',
        '0',
        '--interval',
        '0.5',
        '--credentials',
        'creds.json',
        '--dynamodb-port=8000',
        '--store',
        'dynamodb-local',
        '--json',
        '-h',
      ]),
    ).toEqual({
      port: 0,
      intervalMinutes: 0.5,
      credentialsFile: 'creds.json',
      dynamoDbPort: 8000,
      store: 'dynamodb-local',
      json: true,
      help: true,
    });
  });

  it.each([
    [['--prot', '1'], "Unknown option '--prot'"],
    [['--port'], "Option '--port <value>' argument missing"],
    [['--port', '70000'], '--port must be a port number from 0 to 65535'],
    [['--port', '1.5'], '--port must be a port number'],
    [['--interval', '0'], '--interval must be a number of minutes from 0.1 to 54'],
    [['--interval', '55'], '--interval must be a number of minutes from 0.1 to 54'],
    [['--interval', '60'], '--interval must be a number of minutes'],
    [['--interval', 'soon'], '--interval must be a number of minutes'],
    [['--credentials', ' '], '--credentials needs a file path'],
    [['extra'], "Unexpected argument 'extra'"],
    [['--store', 'docker'], "--store must be one of auto, dynamodb-local, memory, got 'docker'"],
    [['--store'], "Option '--store <value>' argument missing"],
    [['--store', 'memory', '--dynamodb-port', '8000'], '--dynamodb-port is for DynamoDB Local'],
  ])('refuses %j with a one-line LocalBrokerError', (argv, message) => {
    const act = () => parseCliOptions(argv);
    expect(act).toThrow(LocalBrokerError);
    expect(act).toThrow(message);
    try {
      act();
    } catch (error) {
      expect((error as Error).message).not.toContain('\n');
    }
  });

  it.each(STORE_OPTIONS)('reads --store %s', (store) => {
    expect(parseCliOptions(['--store', store]).store).toBe(store);
  });

  it('documents every flag and variable in the help text', () => {
    for (const word of [
      '--port',
      '--interval',
      '--credentials',
      '--dynamodb-port',
      '--store',
      ...STORE_OPTIONS,
      '--json',
      '--help',
    ]) {
      expect(HELP_TEXT).toContain(word);
    }
    for (const variable of [
      'TOKEN_URL',
      'CLIENT_ID',
      'CLIENT_SECRET',
      'SCOPE',
      'CLIENT_AUTH',
      'CREDENTIAL_NAME',
    ]) {
      expect(HELP_TEXT).toContain(variable);
    }
  });
});
