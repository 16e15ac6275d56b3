/** @jsxImportSource hono/jsx */
import type { Child } from 'hono/jsx';
import type { Principal } from '@stint/core/auth';

export type Section = 'jobs' | 'schedules' | 'stats' | 'job-types' | 'none';

export interface LayoutProps {
  title: string;
  section: Section;
  /** Module scripts under /assets/js, in load order. */
  scripts?: string[];
  styles?: string[];
  signedIn?: { principal: Principal; csrfToken: string; timeZone: string };
  /** Read by the page's script; rendered as an attribute value, so the HTML escaping applies. */
  config?: Record<string, unknown>;
  children?: Child;
}

const ROLE_LABEL: Record<Principal['role'], string> = { admin: 'Admin', 'tenant-admin': 'Tenant admin', viewer: 'Viewer (read-only)' };

export function Layout(props: LayoutProps) {
  const { signedIn, section } = props;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light" />
        <title>{`${props.title} · Stint`}</title>
        <link rel="icon" href="/assets/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/assets/monitor.css" />
        {(props.styles ?? []).map((href) => (
          <link rel="stylesheet" href={href} />
        ))}
        {signedIn && <meta name="stint-csrf" content={signedIn.csrfToken} />}
        {props.config && <meta name="stint-config" content={JSON.stringify(props.config)} />}
        <script type="module" src="/assets/js/common.js"></script>
        {(props.scripts ?? []).map((name) => (
          <script type="module" src={`/assets/js/${name}`}></script>
        ))}
      </head>
      <body>
        <a class="skip-link" href="#main">
          Skip to content
        </a>
        <header class="site-header">
          <div class="site-header__inner">
            <a class="brand" href="/jobs">
              <span class="brand__mark" aria-hidden="true">
                S
              </span>
              <span class="brand__name">Stint</span>
              <span class="brand__tag">job monitor</span>
            </a>
            {signedIn && (
              <nav class="site-nav" aria-label="Main">
                <a href="/jobs" aria-current={section === 'jobs' ? 'page' : undefined}>
                  Jobs
                </a>
                <a href="/schedules" aria-current={section === 'schedules' ? 'page' : undefined}>
                  Schedules
                </a>
                <a href="/stats" aria-current={section === 'stats' ? 'page' : undefined}>
                  Statistics
                </a>
                <a href="/job-types" aria-current={section === 'job-types' ? 'page' : undefined}>
                  Job types
                </a>
              </nav>
            )}
            {signedIn && (
              <div class="account">
                <span class="account__who">
                  <span class="account__name">{signedIn.principal.name}</span>
                  <span class="account__role">
                    {ROLE_LABEL[signedIn.principal.role]}
                    {signedIn.principal.tenant ? ` · ${signedIn.principal.tenant}` : ''}
                  </span>
                </span>
                <form method="post" action="/sign-out">
                  <input type="hidden" name="csrf" value={signedIn.csrfToken} />
                  <button type="submit" class="button button--quiet">
                    Sign out
                  </button>
                </form>
              </div>
            )}
          </div>
        </header>
        <main id="main" class="page" tabindex={-1}>
          <div id="notice" class="notice" role="status" aria-live="polite"></div>
          {props.children}
        </main>
        {signedIn && (
          <footer class="site-footer">
            Times are shown in <span id="shown-time-zone">{signedIn.timeZone}</span>.
          </footer>
        )}
      </body>
    </html>
  );
}

/** A full document: the doctype plus the rendered tree. */
export function documentOf(tree: unknown): string {
  return `<!DOCTYPE html>${String(tree)}`;
}
