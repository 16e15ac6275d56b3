import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { pascal } from '../naming.ts';
import { REPORT_TOPIC, REPORTS } from '../spec.ts';

/**
 * The topic of scheduled-run reports: TLS-only, encrypted with SNS's AWS-managed key. It has no
 * subscriptions here: the api subscribes each recipient's address when an admin sets it.
 */
export function createReportTopic(scope: Construct): sns.Topic {
  const name = `${pascal(REPORTS.topicId)}Topic`;
  return new sns.Topic(scope, name, {
    displayName: REPORT_TOPIC.displayName,
    enforceSSL: true,
    masterKey: kms.Alias.fromAliasName(scope, `${name}Key`, REPORT_TOPIC.kmsMasterKeyId),
  });
}
