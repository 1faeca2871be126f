/** The sign-in page: paste an API key; the server keeps it, sealed, and the browser keeps a session id. */
import { html, type Node } from '../html.ts';
import { documentOf, errorBanner, type Flash, noticeBanner } from './layout.ts';

export function signInPage(csrf: string, flash: Flash): Node {
  return documentOf(
    'Sign in',
    html`<main id="main" class="sign-in">
      <h1>iris</h1>
      <p>Sign in with an API key: the admin key printed when the server first started, or any key made on the Keys page.</p>
      ${noticeBanner(flash.notice)} ${errorBanner(flash.error)}
      <form method="post" action="/app/sign-in" class="stack">
        <input type="hidden" name="_csrf" value="${csrf}" />
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="api_key"
          type="password"
          autocomplete="off"
          spellcheck="false"
          required
          placeholder="is_live_…"
          aria-describedby="api-key-help"
        />
        <small id="api-key-help">The key stays on the server for this session; your browser keeps only a session cookie.</small>
        <button type="submit">Sign in</button>
      </form>
    </main>`,
    'bare',
  );
}
