/**
 * Email opens (EMAIL_TRACK_OPENS): the HTML alternative of a mail's text, with a 1×1 image whose URL
 * names the message, and the record of its first load (opened_at, message.opened). Loads after the
 * first change nothing; an id that names no sent email changes nothing either, and the image is
 * answered the same way whatever happened, so it tells nothing to whoever loads it.
 */
import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { messages } from '../../../db/schema-messages.ts';
import { emit } from '../events/emit.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The mail's text as HTML paragraphs, followed by the tracking image. */
export function trackedHtml(text: string, pixelUrl: string): string {
  const paragraphs = text
    .split(/\n{2,}/)
    .map((paragraph) => `<p>${escapeHtml(paragraph).replace(/\n/g, '<br>')}</p>`)
    .join('\n');
  return `<!doctype html><html><body>${paragraphs}<img src="${escapeHtml(pixelUrl)}" width="1" height="1" alt="" style="display:block;border:0"></body></html>`;
}

/** Records the first open of an email we sent; answers whether this load was the first. */
export async function recordOpen(db: Db, messageId: string, now: Date): Promise<boolean> {
  if (!UUID.test(messageId)) return false;
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(messages)
      .set({ openedAt: now, updatedAt: now })
      .where(
        and(
          eq(messages.id, messageId),
          eq(messages.direction, 'outbound'),
          eq(messages.channel, 'email'),
          inArray(messages.status, ['sent', 'delivered']),
          isNull(messages.openedAt),
        ),
      )
      .returning();
    if (!row) return false;
    await emit(
      tx,
      { userId: row.userId, agentIdentityId: row.agentIdentityId },
      'message.opened',
      {
        id: row.id,
        campaign_id: row.campaignId,
        contact_id: row.contactId,
        channel: row.channel,
        step: row.step,
      },
      now,
    );
    return true;
  });
}
