import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';

export interface AwsClients {
  dynamo: DynamoDBDocumentClient;
  sqs: SQSClient;
  s3: S3Client;
  sns: SNSClient;
}

export interface AwsClientOptions {
  region?: string;
  /** Local emulators; in AWS leave these unset. */
  endpoints?: { dynamo?: string; sqs?: string; s3?: string; sns?: string };
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export function createAwsClients(options: AwsClientOptions = {}): AwsClients {
  const base = {
    ...(options.region ? { region: options.region } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  };
  const dynamo = new DynamoDBClient({ ...base, ...(options.endpoints?.dynamo ? { endpoint: options.endpoints.dynamo } : {}) });
  return {
    dynamo: DynamoDBDocumentClient.from(dynamo, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    }),
    sqs: new SQSClient({ ...base, ...(options.endpoints?.sqs ? { endpoint: options.endpoints.sqs } : {}) }),
    sns: new SNSClient({ ...base, ...(options.endpoints?.sns ? { endpoint: options.endpoints.sns } : {}) }),
    s3: new S3Client({
      ...base,
      ...(options.endpoints?.s3 ? { endpoint: options.endpoints.s3, forcePathStyle: true } : {}),
    }),
  };
}
