/**
 * AI generations: one ai_generations row per answer an AI provider gave (an operation's or a campaign
 * job's), counted per generation type by ai.usage. Rows belong to an account or to one agent identity,
 * like everything else an owner makes.
 */
import { and, count, eq, gte, isNull, lt } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { aiGenerations } from '../../../db/schema-messages.ts';
import type { EventOwner } from '../events/emit.ts';

/** Every generation type: the three AI operations, campaigns.analyze, campaign drafts and feedback revisions. */
export const GENERATION_TYPES = [
  'generate',
  'generate_campaign',
  'analyze',
  'campaign_analysis',
  'draft',
  'revision',
] as const;
export type GenerationType = (typeof GENERATION_TYPES)[number];

/** Records one generation and answers its id. */
export async function recordGeneration(
  db: Db,
  owner: EventOwner,
  generation: { type: GenerationType; model: string; campaignId?: string | null; at: Date },
): Promise<string> {
  const [row] = await db
    .insert(aiGenerations)
    .values({
      userId: owner.userId,
      agentIdentityId: owner.agentIdentityId,
      kind: generation.type,
      model: generation.model,
      campaignId: generation.campaignId ?? null,
      createdAt: generation.at,
    })
    .returning({ id: aiGenerations.id });
  if (!row) throw new Error('no ai_generations row was written');
  return row.id;
}

/** The owner's generations in the period, per type (0 for a type with none). */
export async function generationsInPeriod(
  db: Db,
  owner: EventOwner,
  period: { start: Date; end: Date },
): Promise<Record<GenerationType, number>> {
  const rows = await db
    .select({ kind: aiGenerations.kind, n: count() })
    .from(aiGenerations)
    .where(
      and(
        owner.agentIdentityId
          ? eq(aiGenerations.agentIdentityId, owner.agentIdentityId)
          : and(eq(aiGenerations.userId, owner.userId), isNull(aiGenerations.agentIdentityId)),
        gte(aiGenerations.createdAt, period.start),
        lt(aiGenerations.createdAt, period.end),
      ),
    )
    .groupBy(aiGenerations.kind);
  const counts = Object.fromEntries(GENERATION_TYPES.map((type) => [type, 0])) as Record<
    GenerationType,
    number
  >;
  for (const row of rows) {
    if ((GENERATION_TYPES as readonly string[]).includes(row.kind))
      counts[row.kind as GenerationType] = row.n;
  }
  return counts;
}
