/** @jsxImportSource hono/jsx */
import { Layout } from './layout.tsx';

export interface SignInProps {
  next: string;
  error: string | null;
  signedOut: boolean;
  oidcEnabled: boolean;
}

export function SignInPage(props: SignInProps) {
  return (
    <Layout title="Sign in" section="none">
      <div class="sign-in">
        <section class="panel sign-in__panel" aria-labelledby="sign-in-title">
          <h1 id="sign-in-title">Sign in to the job monitor</h1>
          <p>
            Paste an API key or the admin token.
            {props.oidcEnabled && ' With single sign-on, paste the access token (a JWT) your identity provider issued.'}
          </p>
          {props.error !== null && (
            <div class="alert alert--error" role="alert" id="sign-in-error">
              {props.error}
            </div>
          )}
          {props.signedOut && props.error === null && (
            <div class="alert alert--info" role="status">
              You are signed out.
            </div>
          )}
          <form method="post" action="/sign-in" class="stack">
            <input type="hidden" name="next" value={props.next} />
            <input type="hidden" name="tz" value="" data-time-zone />
            <label for="token">API key or token</label>
            <input
              id="token"
              name="token"
              type="password"
              autocomplete="off"
              spellcheck={false}
              required
              autofocus
              maxlength={8000}
              aria-describedby="token-hint"
              aria-invalid={props.error !== null ? 'true' : undefined}
            />
            <p id="token-hint" class="hint">
              The session remembers which key signed in, never the key itself; revoking the key ends the session.
            </p>
            <button type="submit" class="button button--primary button--block">
              Sign in
            </button>
          </form>
          <p class="hint">
            Running locally? <code>npm start</code> prints the admin token.
          </p>
        </section>
      </div>
    </Layout>
  );
}
