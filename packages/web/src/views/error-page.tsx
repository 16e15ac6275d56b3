/** @jsxImportSource hono/jsx */
import { Layout, type LayoutProps } from './layout.tsx';

export function ErrorPage(props: { title: string; message: string; signedIn?: LayoutProps['signedIn'] }) {
  return (
    <Layout title={props.title} section="none" {...(props.signedIn ? { signedIn: props.signedIn } : {})}>
      <section class="panel error-page" aria-labelledby="error-title">
        <h1 id="error-title">{props.title}</h1>
        <p>{props.message}</p>
        <p>
          <a class="button" href="/jobs">
            Back to jobs
          </a>
        </p>
      </section>
    </Layout>
  );
}
