/** @jsxImportSource hono/jsx */
import type { Hono } from 'hono';
import type { WebEnv } from '../page-session.ts';
import { JobTypesPage } from '../views/job-types-page.tsx';
import { documentOf, Layout } from '../views/layout.tsx';
import type { WebServices } from '../web-services.ts';

export function jobTypesRoutes(pages: Hono<WebEnv>, services: WebServices): void {
  pages.get('/job-types', (c) => {
    const principal = c.get('principal');
    const page = (
      <Layout title="Job types" section="job-types" signedIn={{ principal, csrfToken: c.get('session').csrfToken, timeZone: c.get('timeZone') }}>
        <JobTypesPage types={services.engine.jobTypes().submittableBy(principal)} canWrite={principal.role !== 'viewer'} />
      </Layout>
    );
    return c.html(documentOf(page));
  });
}
