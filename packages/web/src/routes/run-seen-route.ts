import type { Hono } from 'hono';
import { pageScope } from '../page-scope.ts';
import type { WebEnv } from '../page-session.ts';
import { fetchHasCsrf } from '../session/page-csrf.ts';
import type { WebServices } from '../web-services.ts';

/**
 * The log popup says its run's lines were read: on opening, and again on closing, since lines
 * that arrived while it was open were read too. A job the viewer cannot see answers 404.
 */
export function runSeenRoutes(pages: Hono<WebEnv>, services: WebServices): void {
  pages.post('/jobs/:id/seen', async (c) => {
    if (!fetchHasCsrf(c)) return c.json({ error: { code: 'forbidden', message: 'not from the monitor’s own page' } }, 403);
    const principal = c.get('principal');
    const job = await services.engine.get(c.req.param('id'), pageScope(principal));
    await services.engine.schedules.markSeen(principal.keyId, job);
    return c.body(null, 204);
  });
}
