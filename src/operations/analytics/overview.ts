import { z } from 'zod';
import { Overview, overviewOf } from '../../domain/analytics/overview.ts';
import { defineOperation } from '../define-operation.ts';

export const analyticsOverview = defineOperation({
  id: 'analytics.overview',
  method: 'GET',
  path: '/analytics/overview',
  summary:
    'overall analytics across all campaigns: campaigns by status, contacts, conversations and unread replies, drafts waiting, and engagement (messages sent = accepted by the channel, delivered, opened, bounced; replied = contacts with a reply after one of our messages in the conversation; reply rate = replied / contacts sent to)',
  scope: 'read',
  input: z.object({}),
  output: Overview,
  handler: async (ctx) => ({ data: await overviewOf(ctx.db, ctx.principal) }),
});
