import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { StintJobs, type StintJobsProps } from './stint-jobs.ts';

export interface StintStackProps extends StackProps {
  jobs: StintJobsProps;
}

/** A stack holding one StintJobs, with the outputs an operator needs after `cdk deploy`. */
export class StintStack extends Stack {
  readonly jobs: StintJobs;

  constructor(scope: Construct, id: string, props: StintStackProps) {
    super(scope, id, props);
    this.jobs = new StintJobs(this, 'Stint', props.jobs);
    const out = (name: string, value: string, description: string) => new CfnOutput(this, name, { value, description });
    out('ApiUrl', this.jobs.apiUrl, 'Base URL of the Stint API and job monitor');
    out('TableName', this.jobs.table.tableName, 'Table for `npm run keys` (STINT_TABLE_NAME)');
    out('IntakeQueueUrl', this.jobs.queues.intake.queue.queueUrl, 'Where other services send submissions');
    out('IntakeQueueArn', this.jobs.queues.intake.queue.queueArn, "Resource of the producers' sqs:SendMessage statement");
    out('ExportBucketName', this.jobs.bucket.bucketName, 'Bucket of export and result files');
    out('ReportTopicArn', this.jobs.reportTopic.topicArn, 'Topic of scheduled-run reports; recipients confirm their email subscriptions');
    out('DashboardName', this.jobs.dashboard.dashboardName, 'CloudWatch dashboard');
  }
}
