import { describe, expect, it } from 'vitest';
import { checkedSecret, loadApiSecrets, secretValueInput } from './api-secrets.ts';

describe('the api’s secrets', () => {
  it('are read by id, at their current version', () => {
    expect(secretValueInput('arn:aws:secretsmanager:eu-west-1:111122223333:secret:stint-session-AbCdEf')).toEqual({
      SecretId: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:stint-session-AbCdEf',
    });
  });

  it.each([
    [undefined, 'no text value'],
    ['', 'an empty one'],
    ['   short  ', 'a short one'],
  ])('refuse %j (%s), naming the variable', (value, _case) => {
    expect(() => checkedSecret(value, 16, 'STINT_ADMIN_TOKEN_SECRET_ID')).toThrow(
      expect.objectContaining({ code: 'badRequest', field: 'STINT_ADMIN_TOKEN_SECRET_ID' }),
    );
  });

  it('keep a long enough value, trimmed', () => {
    expect(checkedSecret(` ${'s'.repeat(32)}\n`, 32, 'STINT_SESSION_SECRET_ID')).toBe('s'.repeat(32));
  });

  it('need the session secret’s id before any call', async () => {
    const client = { send: () => Promise.reject(new Error('no call expected')) };
    await expect(loadApiSecrets(client, {})).rejects.toMatchObject({
      code: 'badRequest',
      field: 'STINT_SESSION_SECRET_ID',
      message: 'environment variable STINT_SESSION_SECRET_ID is not set',
    });
    await expect(loadApiSecrets(client, { STINT_SESSION_SECRET_ID: '  ' })).rejects.toMatchObject({ field: 'STINT_SESSION_SECRET_ID' });
  });
});
