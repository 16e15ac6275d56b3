/**
 * Builds DynamoDB update requests from plain objects. Pure, so every conditional write in
 * core can be unit-tested as data. Conditions are written with `#attr` names (registered
 * automatically) and `:value` placeholders passed in `values`.
 */
export interface UpdateSpec {
  set?: Record<string, unknown>;
  /** Attribute names mapped to raw expressions, e.g. { version: '#version + :one' }. */
  setRaw?: Record<string, string>;
  /** Numbers are added; a set of strings is added to a string-set attribute. */
  add?: Record<string, number | ReadonlySet<string>>;
  /** Strings taken out of a string-set attribute. */
  delete?: Record<string, ReadonlySet<string>>;
  remove?: string[];
  condition?: string;
  values?: Record<string, unknown>;
}

export interface UpdateRequestParts {
  UpdateExpression: string;
  ConditionExpression?: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}

const NAME = /#([A-Za-z_][A-Za-z0-9_]*)/g;

/** ExpressionAttributeNames for every `#attr` an expression mentions. */
export function attributeNames(expression: string): Record<string, string> {
  return Object.fromEntries([...expression.matchAll(NAME)].map((match) => [match[0], match[1]!]));
}

export function buildUpdate(spec: UpdateSpec): UpdateRequestParts {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ...spec.values };
  const name = (attr: string) => {
    names[`#${attr}`] = attr;
    return `#${attr}`;
  };
  const registerNames = (expression: string) => Object.assign(names, attributeNames(expression));

  const set: string[] = [];
  for (const [attr, value] of Object.entries(spec.set ?? {})) {
    if (value === undefined) continue;
    values[`:s_${attr}`] = value;
    set.push(`${name(attr)} = :s_${attr}`);
  }
  for (const [attr, expression] of Object.entries(spec.setRaw ?? {})) {
    registerNames(expression);
    set.push(`${name(attr)} = ${expression}`);
  }
  const add = Object.entries(spec.add ?? {})
    .filter(([, delta]) => (typeof delta === 'number' ? delta !== 0 : delta.size > 0))
    .map(([attr, delta]) => {
      values[`:a_${attr}`] = delta;
      return `${name(attr)} :a_${attr}`;
    });
  const del = Object.entries(spec.delete ?? {})
    .filter(([, members]) => members.size > 0)
    .map(([attr, members]) => {
      values[`:d_${attr}`] = members;
      return `${name(attr)} :d_${attr}`;
    });
  const remove = (spec.remove ?? []).map(name);

  const clauses = [
    set.length ? `SET ${set.join(', ')}` : '',
    add.length ? `ADD ${add.join(', ')}` : '',
    del.length ? `DELETE ${del.join(', ')}` : '',
    remove.length ? `REMOVE ${remove.join(', ')}` : '',
  ].filter(Boolean);
  if (clauses.length === 0) throw new Error('empty update');
  if (spec.condition) registerNames(spec.condition);

  return {
    UpdateExpression: clauses.join(' '),
    ...(spec.condition ? { ConditionExpression: spec.condition } : {}),
    ExpressionAttributeNames: names,
    ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
  };
}
