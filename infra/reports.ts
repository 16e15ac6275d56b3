import { pascal } from './naming.ts';
import { REPORTS } from './spec.ts';
import { reportTopicArgs, tlsOnlyTopicPolicy } from './sst-args.ts';

const name = `${pascal(REPORTS.topicId)}Topic`;

/** Scheduled-run reports, as in the CDK construct; the api subscribes recipients' addresses. */
export const reportTopic = new sst.aws.SnsTopic(name, reportTopicArgs());

new aws.sns.TopicPolicy(`${name}TlsOnly`, {
  arn: reportTopic.arn,
  policy: reportTopic.arn.apply((arn) => JSON.stringify(tlsOnlyTopicPolicy(arn))),
});
