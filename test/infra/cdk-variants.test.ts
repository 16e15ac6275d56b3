import { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../infra/spec.ts';
import { logicalId, resourcesOfType, synthStint, type Synthesized } from './synth.ts';

describe('production stage with every option', () => {
  let s: Synthesized;
  let keyStack: Stack;
  beforeAll(() => {
    s = synthStint((app) => {
      keyStack = new Stack(app, 'Keys');
      return {
        production: true,
        createAlarmTopic: true,
        jwtAuthorizer: { issuer: 'https://issuer.example.com/', audience: ['stint-api', 'stint-monitor'] },
        intakeEventPattern: { source: ['com.example.orders'], detailType: ['SubmitStintJob'] },
        tableEncryptionKey: new Key(keyStack, 'TableKey', { enableKeyRotation: true }),
        waitingTimeThresholdMs: 15_000,
      };
    });
  });

  it('protects and retains the table, bucket, DLQs and logs', () => {
    s.template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
    });
    s.template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
    for (const { dlq } of Object.values(s.stack.jobs.queues)) {
      expect(resourcesOfType(s.template, 'AWS::SQS::Queue')[logicalId(s.stack, dlq)]?.DeletionPolicy).toBe('Retain');
    }
    for (const group of Object.values(resourcesOfType(s.template, 'AWS::Logs::LogGroup'))) {
      expect(group.DeletionPolicy).toBe('Retain');
    }
  });

  it('encrypts the table with the given key and lets each function use it', () => {
    s.template.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: Match.anyValue() },
    });
    const policies = Object.values(resourcesOfType(s.template, 'AWS::IAM::Policy')).map((p) => JSON.stringify(p.Properties));
    expect(policies.filter((p) => p.includes('kms:Decrypt'))).toHaveLength(FUNCTIONS.length);
  });

  it('puts a JWT authorizer in front of the route', () => {
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: 'https://issuer.example.com/', Audience: ['stint-api', 'stint-monitor'] },
    });
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$default', AuthorizationType: 'JWT' });
  });

  it('notifies a TLS-only topic that CloudWatch may publish to', () => {
    const topic = { Ref: logicalId(s.stack, s.stack.jobs.alarmTopic!) };
    for (const alarm of Object.values(resourcesOfType(s.template, 'AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties).toMatchObject({ AlarmActions: [topic], OKActions: [topic] });
    }
    s.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Action: 'sns:Publish', Principal: { Service: 'cloudwatch.amazonaws.com' } }),
        ]),
      },
    });
  });

  it('uses the configured waiting-time threshold', () => {
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'WaitingTime', Threshold: 15_000 });
  });

  it('routes matching EventBridge events to the intake queue, detail as the message', () => {
    s.template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['com.example.orders'], 'detail-type': ['SubmitStintJob'] },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [logicalId(s.stack, s.stack.jobs.queues.intake.queue), 'Arn'] },
          InputPath: '$.detail',
        }),
      ],
    });
  });
});

describe('an existing alarm topic', () => {
  it('receives every alarm', () => {
    const topicArn = 'arn:aws:sns:eu-west-1:111122223333:ops-alarms';
    const { template, stack } = synthStint({ alarmTopicArn: topicArn });
    // The only topic created is the report topic.
    expect(Object.keys(resourcesOfType(template, 'AWS::SNS::Topic'))).toEqual([logicalId(stack, stack.jobs.reportTopic)]);
    for (const alarm of Object.values(resourcesOfType(template, 'AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties?.AlarmActions).toEqual([topicArn]);
    }
  });
});

describe('grantSubmit', () => {
  it('grants a producer sqs:SendMessage on the intake queue and nothing else', () => {
    let producer!: iam.Role;
    const s = synthStint(
      {},
      {
        extend: (stack) => {
          producer = new iam.Role(stack, 'Producer', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') });
          stack.jobs.grantSubmit(producer);
        },
      },
    );
    s.template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logicalId(s.stack, producer) }],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sqs:SendMessage',
            Resource: { 'Fn::GetAtt': [logicalId(s.stack, s.stack.jobs.queues.intake.queue), 'Arn'] },
          },
        ],
      },
    });
  });
});
