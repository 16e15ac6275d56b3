import { describe, expect, it } from 'vitest';
import { queueUrlFromArn } from './queue-url.ts';

describe('queueUrlFromArn', () => {
  it('maps an SQS ARN to its queue URL', () => {
    expect(queueUrlFromArn('arn:aws:sqs:eu-west-1:123456789012:stint-work')).toBe(
      'https://sqs.eu-west-1.amazonaws.com/123456789012/stint-work',
    );
  });

  it('refuses what is not an SQS ARN', () => {
    expect(() => queueUrlFromArn('arn:aws:sns:eu-west-1:1:x')).toThrow('not an SQS queue ARN');
  });
});
