import { z } from 'zod';
import { contacts } from '../../../db/schema-contacts.ts';
import { CHANNELS } from '../../domain/campaigns/channels.ts';
import { ChannelAvailability, channelAvailability } from '../../domain/channels/availability.ts';
import { ownedContact } from '../../domain/contacts/owned-contacts.ts';
import { eventOwnerOf } from '../../domain/events/emit.ts';
import { ApiError } from '../../errors/api-error.ts';
import { defineOperation } from '../define-operation.ts';

export const channelsAvailability = defineOperation({
  id: 'channels.availability',
  method: 'GET',
  path: '/channels/availability',
  summary:
    'which channels can send now: email always; instagram and twitter (X) when an account is connected and, for a contact, when the platform allows a message now (with the reason when not)',
  scope: 'read',
  errors: ['CONTACT_001'],
  input: z.object({
    contact_id: z.string().optional().describe('also check sending to this contact now'),
  }),
  output: z.object({
    contact_id: z.uuid().nullable(),
    channels: z.array(ChannelAvailability),
  }),
  handler: async (ctx, input) => {
    let contact: typeof contacts.$inferSelect | undefined;
    if (input.contact_id !== undefined) {
      [contact] = await ctx.db.select().from(contacts).where(ownedContact(ctx.principal, input.contact_id));
      if (!contact) throw new ApiError('CONTACT_001');
    }
    const owner = eventOwnerOf(ctx.principal);
    const channels = [];
    for (const channel of CHANNELS) {
      channels.push(await channelAvailability(ctx.db, ctx.services.env, owner, channel, contact, ctx.now));
    }
    return { data: { contact_id: contact?.id ?? null, channels } };
  },
});
