/** @jsxImportSource hono/jsx */
import { Layout, type LayoutProps } from './layout.tsx';

/** `retry`: the page's own path, offered first when trying again may well work (503). */
export function ErrorPage(props: { title: string; message: string; signedIn?: LayoutProps['signedIn']; retry?: string }) {
  return (
    <Layout title={props.title} section="none" {...(props.signedIn ? { signedIn: props.signedIn } : {})}>
      <section class="panel error-page" aria-labelledby="error-title">
        <h1 id="error-title">{props.title}</h1>
        <p>{props.message}</p>
        <p>
          {props.retry && (
            <a class="button" href={props.retry}>
              Try again
            </a>
          )}{' '}
          <a class="button" href="/jobs">
            Back to jobs
          </a>
        </p>
      </section>
    </Layout>
  );
}
