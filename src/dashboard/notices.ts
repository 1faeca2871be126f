/** The fixed notices a redirect after an action may name (`?notice=`): no caller text reaches a page this way. */
export const NOTICES = {
  signed_out: 'You are signed out.',
  session_ended: 'Your session ended (signed out, idle for 12 hours, or its key was revoked). Sign in again.',
  approved: 'Draft approved.',
  rejected: 'Draft rejected.',
  revised: 'Feedback sent: the draft was revised.',
  bulk_done: 'Selected drafts updated.',
  campaign_created: 'Campaign created.',
  campaign_updated: 'Campaign status changed.',
  campaign_deleted: 'Campaign deleted.',
  key_revoked: 'Key revoked.',
  marked_read: 'Conversation marked read.',
  redelivered: 'Delivery queued again.',
} as const;

export type NoticeKey = keyof typeof NOTICES;

export function noticeOf(value: unknown): string | undefined {
  return typeof value === 'string' && Object.hasOwn(NOTICES, value) ? NOTICES[value as NoticeKey] : undefined;
}
