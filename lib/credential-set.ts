/**
 * The CredentialSet construct: everything the broker has once per credential set, in
 * one place: its reader (function, role, log group, Function URL), its client credentials
 * secret, its refresh schedule, its rotation rule, its deploy-time refresh and its six
 * alarms. The TokenBroker creates one per configured set, under its `CredentialSets`
 * child, with the set's name as construct id. A set with `ownStack` keeps its secret in the
 * broker's stack and everything else in a nested stack of its own (`<name>/Resources`), so
 * a broker of many sets stays within CloudFormation's 500 resources per stack
 * (docs/design.md, decision 42).
 */
import { NestedStack } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Schedule } from 'aws-cdk-lib/aws-scheduler';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { allowOrganizationRead, createCredentialReader } from './credential-reader.js';
import { credentialSecret } from './credential-secret.js';
import {
  type CredentialAlarms,
  createCredentialAlarms,
  credentialAlarmList,
  notifyOnAlarmAndOk,
} from './monitoring/alarms.js';
import { grantReaderAccess } from './reader-access.js';
import type { ITokenBroker } from './token-broker-parts.js';
import { resolveCredential, type TokenBrokerCredential } from './token-broker-props.js';
import { createDeployRefresh } from './triggers/deploy-refresh.js';
import { createRefreshSchedule } from './triggers/refresh-schedule.js';
import { createRotationRule, rotationRuleName } from './triggers/rotation-rule.js';
import { atConstructPath } from './validation.js';

/** Properties of {@link CredentialSet}. */
export interface CredentialSetProps {
  /**
   * The broker the set belongs to: its refresher is what the triggers invoke, its failure
   * queue takes undeliverable rotation events, its interval paces the schedule and its
   * alarm topic (if any) is notified.
   */
  readonly broker: ITokenBroker;
  /** The set as configured; validated again here with the broker's rules. */
  readonly credential: TokenBrokerCredential;
  /**
   * AWS Organization (`o-...`) whose principals may call this set's reader (invoke and
   * Function URL), through its resource policy conditioned on `aws:PrincipalOrgID`; they
   * still need an identity policy allowing it.
   * @default - only principals given access with `grantRead` may call the reader
   */
  readonly allowedOrganizationId?: string;
  /**
   * Puts the set's reader, triggers and alarms in a nested stack of its own
   * (`<set path>/Resources`), leaving its secret (and the refresher's grant on it) in the
   * broker's stack, so that nothing in the broker's stack refers into the nested one but
   * its outputs and the dashboard. The broker sets it for every set after the first
   * `SETS_IN_BROKER_STACK` (lib/validation.ts).
   * @default false - every resource of the set in the broker's stack
   */
  readonly ownStack?: boolean;
}

/**
 * One credential set of a {@link TokenBroker} and the resources it owns. Created by the
 * broker (reach it with `broker.credentialSet(name)`), not on its own: the broker's
 * refresher is configured with every set it creates.
 *
 * @example
 * const production = broker.credentialSet('production');
 * production.grantRead(paymentsRole);
 * production.secret.grantWrite(operatorsRole);
 * production.alarms.secretRejected.addAlarmAction(new SnsAction(pager));
 */
export class CredentialSet extends Construct {
  /** Name of the set: the DynamoDB partition key and what callers pass as `credential`. */
  readonly name: string;
  /** OAuth 2.0 token endpoint, A55's by default. */
  readonly tokenUrl: string;
  /** Scopes requested; undefined when none are. */
  readonly scope?: string;
  /** How client_id/client_secret are sent: `client_secret_post` or `client_secret_basic`. */
  readonly clientAuth: string;
  /**
   * Serves this set's token, and only this set's (`CREDENTIAL_NAMES` is its name; another
   * name is UnknownCredential). Its role reads this set's two items and nothing else.
   */
  readonly reader: lambda.Function;
  /** The reader's Function URL (`AuthType: AWS_IAM`, `GET <url>token?credential=NAME`). */
  readonly readerUrl: lambda.IFunctionUrl;
  /** Where the reader logs. */
  readonly readerLogGroup: logs.LogGroup;
  /** The client credentials secret: the one given, one imported by name, or one created (retained). */
  readonly secret: secretsmanager.ISecret;
  /** The secret's customer-managed key, when it has one (the refresher decrypts through Secrets Manager). */
  readonly secretEncryptionKey?: kms.IKey;
  /** Invokes the refresher every refresh interval with `{"credential": NAME, "reason": "schedule"}`. */
  readonly schedule: Schedule;
  /** Refreshes the set at once when its secret gets a new AWSCURRENT value (`reason: "secret-rotated"`). */
  readonly rotationRule: events.Rule;
  /** Refreshes the set after every deploy that creates or changes the refresher (`reason: "deploy"`). */
  readonly deployRefresh: cr.AwsCustomResource;
  /** The set's alarms (also listed in the broker's `alarms.all`). */
  readonly alarms: CredentialAlarms;

  constructor(scope: Construct, id: string, props: CredentialSetProps) {
    super(scope, id);
    const { broker } = props;
    const credential = atConstructPath(this.node.path, () =>
      resolveCredential(props.credential, 'credential'),
    );
    this.name = credential.name;
    this.tokenUrl = credential.tokenUrl;
    this.clientAuth = credential.clientAuth;
    if (credential.scope !== undefined) this.scope = credential.scope;

    const { refresher } = broker;
    // The secret stays in the broker's stack whatever the layout: moving it would replace it
    // (a new secret holding the placeholder). The broker grants the refresher on it there.
    this.secret = credentialSecret(this, credential);
    if (credential.secretEncryptionKey !== undefined)
      this.secretEncryptionKey = credential.secretEncryptionKey;
    else if (this.secret.encryptionKey !== undefined) this.secretEncryptionKey = this.secret.encryptionKey;
    const home: Construct = props.ownStack === true ? new NestedStack(this, 'Resources') : this;

    const reader = createCredentialReader(home, {
      credential: this.name,
      table: broker.table,
      tableKey: broker.tableKey,
      refresher,
      cacheSeconds: broker.readerCacheSeconds,
      logRetention: broker.logRetention,
      brokerName: broker.brokerName,
    });
    this.reader = reader.fn;
    this.readerUrl = reader.url;
    this.readerLogGroup = reader.logGroup;
    if (props.allowedOrganizationId !== undefined) {
      allowOrganizationRead(this.reader, props.allowedOrganizationId);
    }

    this.schedule = createRefreshSchedule(home, {
      credential: this.name,
      refresher,
      role: broker.schedulerRole,
      interval: broker.refreshInterval,
      deadLetterQueue: broker.failureQueue,
    });
    this.rotationRule = createRotationRule(home, {
      credential: this.name,
      ruleName: rotationRuleName(broker.rotationRulePrefix, this.name),
      secret: this.secret,
      refresher,
      deadLetterQueue: broker.failureQueue,
    });
    this.deployRefresh = createDeployRefresh(home, {
      credential: this.name,
      refresher,
      provider: { role: broker.deployRefreshRole, logGroup: broker.deployRefreshLogGroup },
      // With retries and the failure queue in place, a deploy-time failure is reported like any other.
      after: refresher.node.tryFindChild('EventInvokeConfig')
        ? [refresher.node.findChild('EventInvokeConfig')]
        : [],
    });
    this.alarms = createCredentialAlarms(home, broker, this.name);
    notifyOnAlarmAndOk(credentialAlarmList(this.alarms), broker.alarmTopic);
  }

  /**
   * Lets `grantee` call this set's reader both ways: `lambda:InvokeFunction` (direct invoke)
   * and `lambda:InvokeFunctionUrl` (the Function URL needs both), on this reader's ARN only.
   * No other set's reader, and nothing else.
   *
   * @example
   * broker.credentialSet('production').grantRead(paymentsRole);
   */
  grantRead(grantee: iam.IGrantable): iam.Grant {
    return grantReaderAccess(this.reader, grantee);
  }
}
