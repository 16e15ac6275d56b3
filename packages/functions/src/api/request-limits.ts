import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { BadRequestError, MAX_SUBMISSION_DEPTH, TooLargeError } from '@stint/core';

/**
 * What one request may weigh, for every route (api and monitor), before anything is parsed.
 * The largest body a route takes is a submission with 64 KB of data or a bulk request with
 * 500 ids; a megabyte leaves room for JSON escapes and stays far below Lambda's 6 MB payload.
 */
export const MAX_BODY_BYTES = 1024 * 1024;
/**
 * API Gateway refuses a request line and headers over 10 KB with its own, non-JSON answer,
 * and Node's parser stops at 16 KB: refusing a query string past 8 KB here gives the same JSON
 * 431 locally and on Lambda. The longest legitimate one (a cursor, 20 job types, a search)
 * stays under 6 KB.
 */
export const MAX_QUERY_BYTES = 8 * 1024;
/**
 * Every JSON body is held to a submission's depth (DynamoDB's 32 levels), counted in its text
 * before it is parsed, so no parser or marshaller meets a deeper one.
 */
export const MAX_JSON_DEPTH = MAX_SUBMISSION_DEPTH;

export function requestLimits(): MiddlewareHandler {
  const limitBody = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: (c) => {
      const length = c.req.header('content-length');
      throw new TooLargeError('body', `body must be at most ${MAX_BODY_BYTES} bytes; got ${length ? `${length} bytes` : 'more'}`);
    },
  });
  return async (c, next) => {
    const query = c.req.url.indexOf('?');
    const queryBytes = query < 0 ? 0 : Buffer.byteLength(c.req.url.slice(query + 1));
    if (queryBytes > MAX_QUERY_BYTES) {
      throw new TooLargeError('query', `the query string must be at most ${MAX_QUERY_BYTES} bytes; got ${queryBytes}`);
    }
    return limitBody(c, async () => {
      if (/^application\/([\w.+-]+\+)?json\b/i.test(c.req.header('content-type') ?? '')) {
        const depth = jsonDepth(await c.req.text());
        if (depth > MAX_JSON_DEPTH) {
          throw new BadRequestError(`body must nest at most ${MAX_JSON_DEPTH} levels of objects and lists; got ${depth}`, 'body');
        }
      }
      await next();
    });
  };
}

/**
 * The deepest nesting of objects and lists in JSON text, without parsing it: brackets outside
 * strings. Malformed text gets a number too; the parser refuses it afterwards if it is shallow.
 */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === BACKSLASH) i++;
      else if (char === QUOTE) inString = false;
    } else if (char === QUOTE) inString = true;
    else if (char === OPEN_BRACE || char === OPEN_BRACKET) deepest = Math.max(deepest, ++depth);
    else if (char === CLOSE_BRACE || char === CLOSE_BRACKET) depth--;
  }
  return deepest;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
