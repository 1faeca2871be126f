import { z } from 'zod';
import { contacts } from '../../../db/schema-contacts.ts';
import { recordGeneration } from '../../domain/ai/generations.ts';
import { CHANNELS } from '../../domain/campaigns/channels.ts';
import { ContactFields } from '../../domain/contacts/contact-view.ts';
import { ownedContact } from '../../domain/contacts/owned-contacts.ts';
import { eventOwnerOf } from '../../domain/events/emit.ts';
import { contactVariables } from '../../domain/messages/draft-brief.ts';
import { variablesOf } from '../../domain/messages/variables.ts';
import { ApiError } from '../../errors/api-error.ts';
import { AI_FAILURE_CODES, aiApiError } from '../../integrations/ai/ai-error.ts';
import { AiFailure } from '../../integrations/ai/ai-port.ts';
import { GeneratedMessage, TONES } from '../../integrations/ai/message-generation.ts';
import { unresolvedPlaceholders } from '../../integrations/ai/template-text.ts';
import { defineOperation } from '../define-operation.ts';

/** A recipient given inline: the fields a message may use, nothing stored. */
const InlineContact = z
  .strictObject({
    first_name: ContactFields.first_name,
    last_name: ContactFields.last_name,
    company: ContactFields.company,
    title: ContactFields.title,
    location: ContactFields.location,
    website: ContactFields.website,
    email: ContactFields.email,
    instagram_handle: ContactFields.instagram_handle,
    x_handle: ContactFields.x_handle,
    attributes: ContactFields.attributes,
  })
  .describe('the recipient when it is not one of your contacts: the values the message may use');
type InlineContact = z.output<typeof InlineContact>;

function inlineVariables(contact: InlineContact): Record<string, string> {
  return contactVariables({
    email: contact.email?.trim() || null,
    firstName: contact.first_name ?? null,
    lastName: contact.last_name ?? null,
    company: contact.company ?? null,
    title: contact.title ?? null,
    location: contact.location ?? null,
    website: contact.website ?? null,
    instagramHandle: contact.instagram_handle ?? null,
    xHandle: contact.x_handle ?? null,
    attributes: contact.attributes ?? {},
  });
}

export const aiGenerate = defineOperation({
  id: 'ai.generate',
  method: 'POST',
  path: '/ai/generate',
  summary:
    'generate AI content (email subject + body, or a direct message) for a contact from an inline brief; it may use {{variables}} the contact has',
  scope: 'generate',
  rateLimit: 'aiGeneration',
  audit: 'generate_ai_content',
  errors: ['CONTACT_001', 'AI_002', ...AI_FAILURE_CODES],
  input: z.strictObject({
    contact_id: z.string().optional().describe('one of your contacts; or give `contact` inline, or neither'),
    contact: InlineContact.optional(),
    brief: z
      .string()
      .trim()
      .min(1)
      .max(4000)
      .describe('what the message is for, e.g. "offer our DJ set for their Friday nights"'),
    channel: z.enum(CHANNELS).describe('email gets a subject; instagram and twitter a direct message'),
    tone: z.enum(TONES).optional().describe('default friendly'),
  }),
  output: z.object({
    subject: z.string().nullable().describe('email only; null for direct messages'),
    body: z.string(),
    channel: z.enum(CHANNELS),
    contact_id: z.uuid().nullable(),
    variables: z
      .array(z.string())
      .describe('the {{variables}} the text uses, each a value the contact has; resolved when sent'),
    model: z.string(),
  }),
  handler: async (ctx, input) => {
    if (input.contact_id !== undefined && input.contact !== undefined) {
      throw new ApiError('SERVER_005', 'invalid input - give contact_id or contact, not both');
    }
    let contactId: string | null = null;
    let values: Record<string, string> = {};
    if (input.contact_id !== undefined) {
      const [row] = await ctx.db
        .select()
        .from(contacts)
        .where(ownedContact(ctx.principal, input.contact_id))
        .limit(1);
      if (!row) throw new ApiError('CONTACT_001');
      contactId = row.id;
      values = contactVariables(row);
    } else if (input.contact) {
      values = inlineVariables(input.contact);
    }
    const known = (name: string) => values[name] !== undefined;
    let message: GeneratedMessage;
    try {
      message = GeneratedMessage.parse(
        await ctx.services.ai.generateMessage({
          brief: input.brief,
          contact: values,
          channel: input.channel,
          tone: input.tone ?? null,
        }),
      );
      if (input.channel === 'email' && message.subject === null) {
        throw new AiFailure('failed', 'an email came without a subject');
      }
      const unresolved = unresolvedPlaceholders(`${message.subject ?? ''}\n${message.body}`, known);
      if (unresolved.length > 0) {
        throw new AiFailure('failed', `the message uses values the contact lacks: ${unresolved.join(', ')}`);
      }
    } catch (error) {
      throw aiApiError(error, 'AI_002');
    }
    const subject = input.channel === 'email' ? message.subject : null;
    const generationId = await recordGeneration(ctx.db, eventOwnerOf(ctx.principal), {
      type: 'generate',
      model: message.model,
      at: ctx.now,
    });
    return {
      data: {
        subject,
        body: message.body,
        channel: input.channel,
        contact_id: contactId,
        variables: variablesOf(`${subject ?? ''}\n${message.body}`),
        model: message.model,
      },
      resourceId: generationId,
      auditMetadata: { model: message.model, channel: input.channel, contact_id: contactId },
    };
  },
});
