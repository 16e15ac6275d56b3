import { settings } from './settings.ts';
import { bucketArgs, tableArgs } from './sst-args.ts';

export const table = new sst.aws.Dynamo('Table', tableArgs(settings.production));

export const bucket = new sst.aws.Bucket('ExportBucket', bucketArgs());
