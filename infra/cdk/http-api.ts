import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { API_THROTTLING } from '../spec.ts';

export interface JwtAuthorizerOptions {
  issuer: string;
  audience: string[];
}

export interface HttpApiOptions {
  handler: lambda.IFunction;
  jwtAuthorizer?: JwtAuthorizerOptions;
  production: boolean;
  logRetention: logs.RetentionDays;
}

/** Fields of each access-log line; JSON so Logs Insights can query them without parsing. */
const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  method: '$context.httpMethod',
  path: '$context.path',
  status: '$context.status',
  responseLength: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  integrationError: '$context.integrationErrorMessage',
});

/** One catch-all route to the api function, which does its own routing and authentication. */
export function createHttpApi(scope: Construct, options: HttpApiOptions): apigw.HttpApi {
  const authorizer = options.jwtAuthorizer
    ? new HttpJwtAuthorizer('JwtAuthorizer', options.jwtAuthorizer.issuer, {
        jwtAudience: options.jwtAuthorizer.audience,
      })
    : undefined;
  const api = new apigw.HttpApi(scope, 'HttpApi', {
    description: 'Stint HTTP API',
    defaultIntegration: new HttpLambdaIntegration('ApiIntegration', options.handler),
    ...(authorizer ? { defaultAuthorizer: authorizer } : {}),
    createDefaultStage: false,
  });
  const accessLogs = new logs.LogGroup(scope, 'HttpApiAccessLogs', {
    retention: options.logRetention,
    removalPolicy: options.production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
  });
  api.addStage('DefaultStage', {
    stageName: '$default',
    autoDeploy: true,
    throttle: { rateLimit: API_THROTTLING.rateLimit, burstLimit: API_THROTTLING.burstLimit },
    accessLogSettings: {
      destination: new apigw.LogGroupLogDestination(accessLogs),
      format: AccessLogFormat.custom(ACCESS_LOG_FORMAT),
    },
  });
  if (!authorizer) {
    Validations.of(api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Without a gateway JWT authorizer the api function authenticates every /api request itself (Stint API keys, optionally OIDC tokens) and rate-limits per principal; only the health check is public.',
    });
  }
  return api;
}
