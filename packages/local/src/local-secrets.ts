import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ApiSecrets, checkedSecret, MIN_SESSION_SECRET_LENGTH } from '@stint/core/auth';
import type { LocalOptions } from './local-options.ts';

/** Where `npm start` keeps the session secret: beside the table's data, readable by its owner only. */
export const SESSION_SECRET_FILE = 'session-secret';

/**
 * The local stack's source of the api's secrets, standing in for Secrets Manager: the session
 * secret is made on the first start and kept in the data directory (mode 0600), so sessions and
 * cursors survive a restart as the jobs do; the admin token is STINT_ADMIN_TOKEN or the one made
 * for this start. Never the table: whoever can read the table's files must not be able to sign
 * a session.
 */
export function loadLocalSecrets(options: Pick<LocalOptions, 'dataDir' | 'adminToken'>): ApiSecrets {
  const file = join(options.dataDir, SESSION_SECRET_FILE);
  try {
    // `wx`: a second stack starting on the same directory keeps the first one's secret.
    writeFileSync(file, randomBytes(32).toString('base64url'), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return { sessionSecret: checkedSecret(readFileSync(file, 'utf8'), MIN_SESSION_SECRET_LENGTH, file), adminToken: options.adminToken };
}
