/**
 * The names an operator finds in the console and the runbook: the broker's name (the
 * `broker` metric dimension, by default the stack's name), each alarm's `AlarmName` and the
 * dashboard's name. One home, so the README's tables, the template and the metrics agree.
 */
import { Stack, Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { BROKER_NAME_PATTERN, invalid } from '../../contract/index.js';

/** The alarms every credential set has, as named in `AlarmName` (`<broker>-<kind>-<set>`). */
export const CREDENTIAL_ALARM_KINDS = {
  refreshFailed: 'RefreshFailed',
  secretRejected: 'SecretRejected',
  tokenExpiring: 'TokenExpiring',
  refreshOverdue: 'RefreshOverdue',
  readUnavailable: 'ReadUnavailable',
  tokenLifetimeTooShort: 'TokenLifetimeTooShort',
} as const;

/** The broker-wide alarms, as named in `AlarmName` (`<broker>-<kind>`). */
export const BROKER_ALARM_KINDS = {
  readerErrors: 'ReaderErrors',
  failureQueueNotEmpty: 'FailureQueueNotEmpty',
} as const;

/** A credential set's alarm kind. */
export type CredentialAlarmKind = (typeof CREDENTIAL_ALARM_KINDS)[keyof typeof CREDENTIAL_ALARM_KINDS];
/** A broker-wide alarm kind. */
export type BrokerAlarmKind = (typeof BROKER_ALARM_KINDS)[keyof typeof BROKER_ALARM_KINDS];

/**
 * The broker's name: `given`, or the name of the stack `scope` is in (unique per account and
 * region, which is what the `broker` dimension and the alarm names need to be).
 * @throws TokenBrokerConfigError when it is not 1 to 128 of `A-Z a-z 0-9 _ -`, or another
 *   broker of the same stack has it.
 */
export function resolveBrokerName(scope: IConstruct, given: string | undefined): string {
  const stack = Stack.of(scope);
  const name = given ?? stack.stackName;
  if (Token.isUnresolved(name) || !BROKER_NAME_PATTERN.test(name)) {
    throw invalid(
      'brokerName',
      name,
      given === undefined
        ? 'is the stack name, which cannot name the broker: pass brokerName (1 to 128 of A-Z a-z 0-9 _ -)'
        : 'must be 1 to 128 of A-Z a-z 0-9 _ - (it names the dashboard, prefixes every alarm name and is ' +
            'the broker dimension of every metric)',
    );
  }
  const claimed = CLAIMED.get(stack) ?? new Map<string, string>();
  CLAIMED.set(stack, claimed);
  const other = claimed.get(name);
  if (other !== undefined && other !== scope.node.path) {
    throw invalid(
      'brokerName',
      name,
      `is already the name of the broker ${other} in this stack: give each broker its own brokerName, ` +
        'or their metrics and alarms would be shared',
    );
  }
  claimed.set(name, scope.node.path);
  return name;
}

/** The broker names taken in each stack, with the path of the broker that took each. */
const CLAIMED = new WeakMap<Stack, Map<string, string>>();

/** `AlarmName` of a credential set's alarm: `<broker>-<kind>-<set>`, e.g. `A55TokenBroker-RefreshFailed-production`. */
export function credentialAlarmName(broker: string, kind: CredentialAlarmKind, credential: string): string {
  return `${broker}-${kind}-${credential}`;
}

/** `AlarmName` of a broker-wide alarm: `<broker>-<kind>`, e.g. `A55TokenBroker-ReaderErrors`. */
export function brokerAlarmName(broker: string, kind: BrokerAlarmKind): string {
  return `${broker}-${kind}`;
}

/** `DashboardName` of the broker's dashboard: the broker's name itself. */
export function dashboardName(broker: string): string {
  return broker;
}
