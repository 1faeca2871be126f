import { z } from 'zod';
import { holdPeriodLimit } from '../../domain/billing/period-limits.ts';
import { ownedCampaignId } from '../../domain/campaigns/owned-campaigns.ts';
import { ContactInput } from '../../domain/contacts/contact-view.ts';
import { prepareContact } from '../../domain/contacts/prepare-contact.ts';
import { type PreparedContact, upsertContacts } from '../../domain/contacts/upsert-contacts.ts';
import { eventOwnerOf } from '../../domain/events/emit.ts';
import { ApiError } from '../../errors/api-error.ts';
import { defineOperation } from '../define-operation.ts';

export const MAX_IMPORT = 500;

const RowResult = z.object({
  index: z.number().int().describe('position of the row in `contacts`'),
  result: z.enum(['created', 'merged', 'invalid']),
  id: z.uuid().nullable().describe('the contact the row created or merged into'),
  reason: z.string().nullable().describe('why an invalid row was skipped'),
});

/** The first problem of a row, as a sentence naming the field. */
function reasonOf(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid contact';
  const at = issue.path.join('.');
  return at ? `${at}: ${issue.message}` : issue.message;
}

export const contactsBulkImport = defineOperation({
  id: 'contacts.bulk_import',
  method: 'POST',
  path: '/contacts/bulk',
  summary: `import up to ${MAX_IMPORT} contacts at once; each row is created, merged into the contact with its email, or reported invalid with the reason`,
  scope: 'write',
  idempotency: 'optional',
  rateLimit: 'contactMutations',
  audit: 'bulk_create_contacts',
  errors: ['CONTACT_009', 'CAMP_001'],
  input: z.strictObject({
    contacts: z
      .array(z.looseObject({}).describe('the fields of contacts.create'))
      .min(1)
      .describe(`1-${MAX_IMPORT} contacts; rows naming the same email are merged into one`),
    campaign_id: z.string().optional().describe('also add every imported contact to this campaign'),
  }),
  output: z.object({
    created: z.number().int(),
    merged: z.number().int(),
    invalid: z.number().int(),
    results: z.array(RowResult).describe('one per input row, in order'),
  }),
  handler: async (ctx, input) => {
    if (input.contacts.length > MAX_IMPORT) {
      throw new ApiError(
        'SERVER_002',
        `an import holds at most ${MAX_IMPORT} contacts (${input.contacts.length} sent); split it into several`,
      );
    }
    const results: z.infer<typeof RowResult>[] = [];
    const valid: PreparedContact[] = [];
    const validAt: number[] = [];
    input.contacts.forEach((raw, index) => {
      const parsed = ContactInput.safeParse(raw);
      const prepared = parsed.success ? prepareContact(parsed.data) : undefined;
      if (prepared?.ok) {
        validAt.push(index);
        valid.push(prepared.row);
        return;
      }
      const reason = parsed.success ? (prepared?.reason ?? 'invalid contact') : reasonOf(parsed.error);
      results[index] = { index, result: 'invalid', id: null, reason };
    });
    const campaignId = input.campaign_id
      ? await ownedCampaignId(ctx.db, ctx.principal, input.campaign_id)
      : null;
    const owner = eventOwnerOf(ctx.principal);
    const hold =
      owner.agentIdentityId || valid.length === 0
        ? undefined
        : await holdPeriodLimit(ctx.db, owner.userId, 'contacts', ctx.now);
    const upserted = await upsertContacts(ctx.db, owner, valid, {
      now: ctx.now,
      source: 'import',
      campaignId,
    });
    upserted.forEach((row, i) => {
      const index = validAt[i] as number;
      results[index] = { index, result: row.result, id: row.contact.id, reason: null };
    });
    const counts = { created: 0, merged: 0, invalid: 0 };
    for (const row of results) counts[row.result] += 1;
    hold?.admit(counts.created);
    return {
      data: { ...counts, results },
      auditMetadata: { ...counts, ...(campaignId ? { campaign_id: campaignId } : {}) },
    };
  },
});
