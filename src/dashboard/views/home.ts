/** The home page: what waits for the reader (drafts to review, unread conversations) and where to go. */

import type { CallFailure } from '../call-operation.ts';
import { html, type Node } from '../html.ts';
import type { PageContext } from '../page-context.ts';
import { errorBanner, type Flash, layout } from './layout.ts';

export interface HomeData {
  pendingCount: number | null;
  pendingMore: boolean;
  campaignCount: number | null;
  unreadCount: number | null;
  failure?: CallFailure;
}

function count(value: number | null, more: boolean): string {
  if (value === null) return '—';
  return more ? `${value}+` : String(value);
}

export function homePage(ctx: PageContext, data: HomeData, flash: Flash): Node {
  return layout(
    ctx,
    'Home',
    html`${errorBanner(data.failure)}
      <ul class="cards">
        <li class="card">
          <h2><a href="/app/review">Review queue</a></h2>
          <p class="big">${count(data.pendingCount, data.pendingMore)}</p>
          <p>drafts waiting for approval</p>
        </li>
        <li class="card">
          <h2><a href="/app/campaigns">Campaigns</a></h2>
          <p class="big">${count(data.campaignCount, false)}</p>
          <p>campaigns on this page of the list</p>
        </li>
        <li class="card">
          <h2><a href="/app/conversations">Conversations</a></h2>
          <p class="big">${count(data.unreadCount, false)}</p>
          <p>threads with unread replies</p>
        </li>
      </ul>
      <p>Start a campaign with a location and venue types, set it active, and its drafts appear in the review queue.</p>`,
    flash,
  );
}
