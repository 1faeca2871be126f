/** The conversations page: threads (unread marked), and one thread's inbound and outbound messages. */
import { attr, html, type Node } from '../html.ts';
import type { PageContext } from '../page-context.ts';
import { csrfField, type Flash, layout } from './layout.ts';

export interface Thread {
  id: string;
  channel: string;
  unread_count: number;
  last_message_at: string | null;
  contact: {
    email: string | null;
    first_name: string | null;
    last_name: string | null;
    company: string | null;
    instagram_handle: string | null;
    x_handle: string | null;
  };
}

export interface ThreadMessage {
  id: string;
  direction: string;
  status: string;
  subject: string | null;
  body: string;
  sent_at: string | null;
  created_at: string;
}

function who(thread: Thread): string {
  const c = thread.contact;
  return (
    [c.first_name, c.last_name].filter(Boolean).join(' ') ||
    c.email ||
    c.instagram_handle ||
    c.x_handle ||
    'unknown contact'
  );
}

function when(at: string | null): string {
  return at ? at.replace('T', ' ').slice(0, 16) : '—';
}

export function conversationsPage(
  ctx: PageContext,
  threads: Thread[],
  unreadOnly: boolean,
  open: { thread: Thread; messages: ThreadMessage[] } | undefined,
  flash: Flash,
): Node {
  return layout(
    ctx,
    'Conversations',
    html`<p>
        ${unreadOnly ? html`<a href="/app/conversations">All threads</a>` : html`<a href="/app/conversations?unread=true">Unread only</a>`}
      </p>
      <div class="split">
        <ul class="list threads" aria-label="Threads">
          ${threads.length === 0 ? html`<li class="empty">No conversations.</li>` : null}
          ${threads.map(
            (thread) => html`<li class="${thread.unread_count > 0 ? 'item unread' : 'item'}">
              <a href="${`/app/conversations?id=${thread.id}${unreadOnly ? '&unread=true' : ''}`}" ${attr('aria-current', open?.thread.id === thread.id, 'true')}>
                <strong>${who(thread)}</strong>
                ${thread.unread_count > 0 ? html` <span class="badge" aria-label="${`${thread.unread_count} unread`}">${thread.unread_count}</span>` : null}
                <br /><small>${thread.channel} · ${when(thread.last_message_at)}</small>
              </a>
            </li>`,
          )}
        </ul>
        ${
          open
            ? html`<section class="thread" aria-labelledby="thread-h">
              <h2 id="thread-h">${who(open.thread)} <small>${open.thread.channel}</small></h2>
              ${
                open.thread.unread_count > 0 && ctx.can('write')
                  ? html`<form method="post" action="${`/app/conversations/${open.thread.id}/read`}">
                    ${csrfField(ctx)}
                    <button type="submit">Mark read</button>
                  </form>`
                  : null
              }
              <ol class="messages">
                ${open.messages.map(
                  (message) => html`<li class="${`message ${message.direction}`}">
                    <p class="meta">${message.direction === 'inbound' ? 'Received' : 'Sent'} · ${message.status} · ${when(message.sent_at ?? message.created_at)}</p>
                    ${message.subject ? html`<p class="subject"><strong>${message.subject}</strong></p>` : null}
                    <div class="body">${message.body}</div>
                  </li>`,
                )}
              </ol>
            </section>`
            : html`<p class="empty">Choose a thread to read it.</p>`
        }
      </div>`,
    flash,
  );
}
