import { createHash } from 'node:crypto';
import type { OpenAPIHono } from '@hono/zod-openapi';

type OpenAPIObject = ReturnType<OpenAPIHono['getOpenAPI31Document']>;

/**
 * The API reference as one server-rendered page, from the OpenAPI document. No scripts and
 * no CDN: the page must work where the network is closed, and it needs no interactivity.
 */
export function renderDocsPage(document: OpenAPIObject): string {
  const sections = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    METHODS.filter((method) => item?.[method]).map((method) => renderOperation(method, path, item![method] as Operation)),
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(document.info.title)} reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${DOCS_STYLE}</style></head><body><main>
<h1>${escapeHtml(document.info.title)} <small>${escapeHtml(document.info.version)}</small></h1>
<p>${escapeHtml(document.info.description ?? '')}</p>
<p>Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI ${escapeHtml(document.openapi)}).</p>
${sections.join('\n')}
</main></body></html>`;
}

/** The page's one stylesheet, inline; the Content-Security-Policy allows exactly it, by hash. */
export const DOCS_STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d2430}
h2{font-size:1rem;margin:2rem 0 .25rem}code,.path{font-family:ui-monospace,monospace}
.method{display:inline-block;min-width:4.5rem;font-weight:700;text-transform:uppercase}
.get{color:#0b6e4f}.post{color:#0b4f8a}.patch{color:#7a4a00}.delete{color:#a1261b}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #d5dae1;padding:.2rem .5rem;text-align:left;vertical-align:top}
section{border-top:1px solid #e4e7ec;padding-bottom:.75rem}
`;

/** The CSP source that admits the page's one inline style, and no other (security-headers.ts). */
export const DOCS_STYLE_HASH = `'sha256-${createHash('sha256').update(DOCS_STYLE).digest('base64')}'`;

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

interface ParameterSchema {
  type?: unknown;
  enum?: unknown[];
  items?: ParameterSchema;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  pattern?: string;
}

interface Operation {
  summary?: string;
  description?: string;
  parameters?: Array<{ name: string; in: string; required?: boolean; description?: string; schema?: ParameterSchema }>;
  requestBody?: { content?: Record<string, { schema?: { $ref?: string } }> };
  responses?: Record<string, { description?: string }>;
}

function renderOperation(method: string, path: string, op: Operation): string {
  const params = (op.parameters ?? []).map(
    (p) =>
      `<tr><td><code>${escapeHtml(p.name)}</code></td><td>${escapeHtml(p.in)}</td><td>${p.required ? 'yes' : ''}</td><td>${escapeHtml(describeSchema(p.schema))}</td><td>${escapeHtml(p.description ?? '')}</td></tr>`,
  );
  const body = Object.entries(op.requestBody?.content ?? {}).map(([type, media]) => `${type} ${media.schema?.$ref?.split('/').pop() ?? ''}`);
  const responses = Object.entries(op.responses ?? {}).map(
    ([status, r]) => `<tr><td>${escapeHtml(status)}</td><td>${escapeHtml(r.description ?? '')}</td></tr>`,
  );
  return `<section id="${escapeHtml(`${method}-${path}`)}">
<h2><span class="method ${method}">${method}</span> <span class="path">${escapeHtml(path)}</span></h2>
<p>${escapeHtml(op.summary ?? '')}</p>${op.description ? `<p>${escapeHtml(op.description)}</p>` : ''}
${params.length ? `<table><tr><th>parameter</th><th>in</th><th>required</th><th>type</th><th>description</th></tr>${params.join('')}</table>` : ''}
${body.length ? `<p>Body: <code>${escapeHtml(body.join(', '))}</code></p>` : ''}
<table><tr><th>status</th><th>meaning</th></tr>${responses.join('')}</table>
</section>`;
}

/** A parameter's type and limits in a few words: `integer 1–1000`, `list of PENDING | RUNNING`. */
function describeSchema(schema: ParameterSchema | undefined): string {
  if (!schema) return '';
  if (schema.enum) return schema.enum.join(' | ');
  if (schema.type === 'array') return `comma-separated list of ${describeSchema(schema.items) || 'values'}`;
  const type = typeof schema.type === 'string' ? schema.type : '';
  if (schema.minimum !== undefined && schema.maximum !== undefined) return `${type} ${schema.minimum}–${schema.maximum}`;
  if (schema.pattern !== undefined)
    return `${type} matching ${schema.pattern}${schema.maxLength !== undefined ? `, at most ${schema.maxLength} characters` : ''}`;
  if (schema.maxLength !== undefined) return `${type}, at most ${schema.maxLength} characters`;
  return type;
}

function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}
