import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { EXPORT_LIFECYCLE, TABLE, TABLE_STREAM } from '../spec.ts';

export interface StorageOptions {
  production: boolean;
  /** Customer-managed key for the table; AWS-managed encryption when unset. */
  tableEncryptionKey?: kms.IKey;
}

const removal = (production: boolean) => (production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY);

export function createTable(scope: Construct, options: StorageOptions): dynamodb.Table {
  const string = (name: string) => ({ name, type: dynamodb.AttributeType.STRING });
  const table = new dynamodb.Table(scope, 'Table', {
    partitionKey: string(TABLE.partitionKey),
    sortKey: string(TABLE.sortKey),
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    timeToLiveAttribute: TABLE.ttlAttribute,
    stream: dynamodb.StreamViewType[TABLE_STREAM.viewType],
    ...(options.tableEncryptionKey
      ? { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED, encryptionKey: options.tableEncryptionKey }
      : { encryption: dynamodb.TableEncryption.AWS_MANAGED }),
    deletionProtection: options.production,
    removalPolicy: removal(options.production),
  });
  for (const index of TABLE.indexes) {
    table.addGlobalSecondaryIndex({
      indexName: index.name,
      partitionKey: string(index.partitionKey),
      sortKey: string(index.sortKey),
      ...(index.projected.length === 0
        ? { projectionType: dynamodb.ProjectionType.KEYS_ONLY }
        : { projectionType: dynamodb.ProjectionType.INCLUDE, nonKeyAttributes: [...index.projected] }),
    });
  }
  return table;
}

export function createExportBucket(scope: Construct, options: StorageOptions): s3.Bucket {
  const bucket = new s3.Bucket(scope, 'ExportBucket', {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    lifecycleRules: [
      {
        id: 'expire-exports',
        expiration: Duration.days(EXPORT_LIFECYCLE.expiryDays),
        abortIncompleteMultipartUploadAfter: Duration.days(EXPORT_LIFECYCLE.abortIncompleteMultipartDays),
      },
    ],
    // A non-empty bucket fails to delete, and its lifecycle empties it within the expiry period.
    removalPolicy: removal(options.production),
  });
  Validations.of(bucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason:
      'The bucket only holds export files that expire after a few days and are handed out as presigned URLs by the API, which logs each one it issues. Object-level auditing, when wanted, is CloudTrail S3 data events, not a second bucket of access logs.',
  });
  return bucket;
}
