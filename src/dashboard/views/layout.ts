/**
 * The frame of every signed-in page (skip link, navigation for the key's scopes, sign-out, the notice
 * or error of the last action) and the small pieces pages share: the CSRF field, an error banner.
 */
import type { CallFailure } from '../call-operation.ts';
import { attr, html, type Node } from '../html.ts';
import type { PageContext } from '../page-context.ts';

export interface Flash {
  notice?: string;
  error?: Pick<CallFailure, 'code' | 'message' | 'requestId'>;
}

export function csrfField(ctx: { csrf: string }): Node {
  return html`<input type="hidden" name="_csrf" value="${ctx.csrf}" />`;
}

export function errorBanner(error: Flash['error']): Node | null {
  if (!error) return null;
  return html`<div class="banner error" role="alert">
    <strong class="code">${error.code}</strong> <span class="message">${error.message}</span>
    <small class="request-id">request ${error.requestId}</small>
  </div>`;
}

export function noticeBanner(notice: string | undefined): Node | null {
  if (!notice) return null;
  return html`<div class="banner notice" role="status">${notice}</div>`;
}

/** The document head and body shared by every page, the sign-in page too. */
export function documentOf(title: string, body: Node, bodyClass = '', scripts: readonly string[] = []): Node {
  return html`<html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="robots" content="noindex" />
      <title>${title} · iris</title>
      <link rel="stylesheet" href="/app/assets/app.css" />
      <script src="/app/assets/app.js" defer></script>
      ${scripts.map((name) => html`<script src="${`/app/assets/${name}`}" defer></script>`)}
    </head>
    <body class="${bodyClass}">
      ${body}
    </body>
  </html>`;
}

const NAV: readonly { path: string; label: string; scope?: 'admin' }[] = [
  { path: '/app', label: 'Home' },
  { path: '/app/review', label: 'Review' },
  { path: '/app/campaigns', label: 'Campaigns' },
  { path: '/app/contacts', label: 'Contacts' },
  { path: '/app/conversations', label: 'Conversations' },
  { path: '/app/keys', label: 'Keys', scope: 'admin' },
  { path: '/app/webhooks', label: 'Webhooks', scope: 'admin' },
];

export function layout(
  ctx: PageContext,
  title: string,
  content: Node | null,
  flash: Flash = {},
  scripts: readonly string[] = [],
): Node {
  const current = (path: string) =>
    path === '/app' ? ctx.path === '/app' : ctx.path === path || ctx.path.startsWith(`${path}/`);
  return documentOf(
    title,
    html`<a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <a class="brand" href="/app">iris</a>
        <nav aria-label="Main">
          <ul>
            ${NAV.filter((item) => !item.scope || ctx.can(item.scope)).map(
              (item) =>
                html`<li>
                  <a href="${item.path}" ${attr('aria-current', current(item.path), 'page')}>${item.label}</a>
                </li>`,
            )}
          </ul>
        </nav>
        <div class="who">
          <span title="The API key this session acts as">${ctx.session.keyName} <code>${ctx.session.keyPrefix}…</code></span>
          <span class="scopes">${ctx.session.scopes.join(' ')}</span>
          <form method="post" action="/app/sign-out">
            ${csrfField(ctx)}
            <button type="submit" class="link">Sign out</button>
          </form>
        </div>
      </header>
      <main id="main" tabindex="-1">
        <h1>${title}</h1>
        ${noticeBanner(flash.notice)} ${errorBanner(flash.error)}
        <div id="live" class="banner-slot" aria-live="polite"></div>
        ${content}
      </main>`,
    '',
    scripts,
  );
}
