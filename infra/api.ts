import { functions } from './functions.ts';
import { settings } from './settings.ts';
import { API_ROUTE, httpApiArgs, jwtAuthorizerArgs } from './sst-args.ts';

export const api = new sst.aws.ApiGatewayV2('HttpApi', httpApiArgs());

const authorizer = settings.jwt ? api.addAuthorizer(jwtAuthorizerArgs(settings.jwt)) : undefined;
api.route(API_ROUTE, functions.api.arn, authorizer ? { auth: { jwt: { authorizer: authorizer.id } } } : {});
