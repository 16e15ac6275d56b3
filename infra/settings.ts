import { deploySettings } from './deploy-settings.ts';

/** The SST deployment's settings for the stage being deployed. */
export const settings = deploySettings($app.stage, process.env);
