import * as z from 'zod';
import { TENANT_PATTERN } from '@stint/core/auth';

/** The key that stands for every producer not listed by its own id. */
export const ANY_PRODUCER = '*';

/**
 * Which tenants each intake producer may submit into. A producer is who SQS says sent the
 * message (its `SenderId`): an IAM role's unique id (`AROA…`, whatever the session), an IAM
 * user's (`AIDA…`) or an account id. SQS sets it from the sender's credentials, so a message
 * body cannot claim another producer. A producer listed by id gets its own tenants only;
 * `*` applies to the others, EventBridge deliveries from the intake rule included.
 */
export type IntakeBinding = Readonly<Record<string, readonly string[]>>;

const PRODUCER = /^(\*|[A-Za-z0-9]{1,128})$/;
const bindingSchema = z.record(z.string(), z.array(z.string().regex(TENANT_PATTERN, 'tenants are lower-case letters, digits and dashes')));

/** Parses the JSON form the deployments pass (`{"*":["default"],"AROAEXAMPLE":["acme"]}`); throws naming the problem. */
export function parseIntakeBinding(text: string, what: string): IntakeBinding {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new TypeError(`${what} must be JSON such as {"*":["default"]}, not "${text}"`);
  }
  const parsed = bindingSchema.safeParse(json);
  if (!parsed.success) throw new TypeError(`${what}: ${z.prettifyError(parsed.error)}`);
  for (const producer of Object.keys(parsed.data)) {
    if (!PRODUCER.test(producer)) {
      throw new TypeError(`${what}: "${producer}" is not a producer; use a role id (AROA…), a user id (AIDA…), an account id or *`);
    }
  }
  return parsed.data;
}

/** The secure default: any producer may submit into the default tenant, and only there. */
export function defaultIntakeBinding(defaultTenant: string): IntakeBinding {
  return { [ANY_PRODUCER]: [defaultTenant] };
}

/** SQS's `SenderId` is `<principal id>:<session name>` for a role session; the principal is what is bound. */
export function producerOf(senderId: string): string {
  return senderId.split(':')[0]!;
}

export function tenantsOf(binding: IntakeBinding, senderId: string): readonly string[] {
  return binding[producerOf(senderId)] ?? binding[ANY_PRODUCER] ?? [];
}
