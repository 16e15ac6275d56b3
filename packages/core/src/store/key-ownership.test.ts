import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The table's key layout has one owner, `store/table-keys.ts` (a builder and a parser for every
 * key), and conditional-write failures one catcher, `store/table-gateway.ts`. This test reads the
 * source of every package and names each line elsewhere that spells a key, cuts one by offset,
 * or catches a failed condition itself. (The bench is left out: its meter and floor measure raw
 * requests and items of their own.)
 */
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const KEYS_MODULE = 'packages/core/src/store/table-keys.ts';
const GATEWAY = 'packages/core/src/store/table-gateway.ts';

/** Prefixes of the table's partition and sort keys (see the map in table-keys.ts), as string literals. */
const KEY_LITERAL = /['"`](?:J|C|L|F|T|I|K|V|H|X|S|P|R|W|A|N|Q|ST|SUM|CHAOS)#|['"`](?:KEYS|TENANTS|SCC|RC|SC)['"`]/;
/** A key taken apart by position instead of by its parser. */
const KEY_SLICE = /\b(?:sk|pk|sortKey|gsi\dsk|gsi\dpk)!?\)?\.(?:slice|substring|split)\(/;
const CONDITION_CATCH = /isConditionalCheckFailed|ConditionalCheckFailedException/;
/** Paging by hand; the local stack's table scan (never in core, see repair/table-scan.ts) is the one exception. */
const PAGING = /LastEvaluatedKey/;
const PAGING_ALLOWED = new Set([GATEWAY, 'packages/local/src/repair/table-scan.ts']);

/** Source without comments, so the key map and why-comments may spell keys. */
function code(source: string): string[] {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, ''))
    .split('\n')
    .map((line) => line.replace(/(^|\s)\/\/.*$/, ''));
}

function findings(path: string, source: string): string[] {
  const found: string[] = [];
  code(source).forEach((line, i) => {
    const at = `${path}:${i + 1}`;
    if (path !== KEYS_MODULE && KEY_LITERAL.test(line)) found.push(`${at} spells a key: ${line.trim()}`);
    if (path !== KEYS_MODULE && KEY_SLICE.test(line)) found.push(`${at} cuts a key by position: ${line.trim()}`);
    if (path !== GATEWAY && path !== 'packages/core/src/errors.ts' && CONDITION_CATCH.test(line))
      found.push(`${at} catches a failed condition: ${line.trim()}`);
    if (!PAGING_ALLOWED.has(path) && PAGING.test(line)) found.push(`${at} pages by hand: ${line.trim()}`);
  });
  return found;
}

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('key ownership', () => {
  it('finds each kind of breach in a sample (the check can fail)', () => {
    const sample = [
      "const key = { pk: `J#` + id, sk: 'J' };",
      "const lane = 'Q#normal';",
      "const listing = { pk: 'KEYS', sk: id };",
      'const id = item.sk.slice(14);',
      'if (isConditionalCheckFailed(error)) return;',
      'startKey = out.LastEvaluatedKey;',
    ].join('\n');
    expect(findings('packages/core/src/engine/x.ts', sample)).toHaveLength(6);
    expect(findings('packages/core/src/engine/x.ts', '// pk `J#<id>`\n/** gsi5 `R#<lane>#<root>` */\nconst a = 1;')).toEqual([]);
  });

  it('leaves key literals to table-keys.ts and condition failures and paging to the gateway', () => {
    const files = sources('packages');
    expect(files).toContain(KEYS_MODULE);
    const found = files.flatMap((path) => findings(relative(root, join(root, path)), readFileSync(join(root, path), 'utf8')));
    expect(found).toEqual([]);
  });
});
