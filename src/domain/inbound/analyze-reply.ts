/**
 * The `reply.analyze` job's work: the AI port's reading of a stored reply (intent, sentiment, key
 * points, a suggested answer) kept on the message, counted as an `analyze` generation. A reply whose
 * intent is `unsubscribe` ("please remove me") puts the contact on the suppression list. Runs once in
 * effect: a message that has its analysis is left alone.
 */
import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { campaigns } from '../../../db/schema.ts';
import { messages } from '../../../db/schema-messages.ts';
import type { AiPort } from '../../integrations/ai/ai-port.ts';
import { recordGeneration } from '../ai/generations.ts';
import { suppressContact } from '../sending/suppression.ts';

export async function analyzeReply(
  tx: Db,
  ai: AiPort,
  messageId: string,
  now: Date,
): Promise<'analyzed' | 'skipped'> {
  const [message] = await tx
    .select()
    .from(messages)
    .where(and(eq(messages.id, messageId), eq(messages.direction, 'inbound'), isNull(messages.analysis)))
    .for('update');
  if (!message) return 'skipped';
  let context: string | null = null;
  if (message.campaignId !== null) {
    const [campaign] = await tx
      .select({ name: campaigns.name, objectiveType: campaigns.objectiveType })
      .from(campaigns)
      .where(eq(campaigns.id, message.campaignId));
    if (campaign) context = `a reply to the outreach campaign "${campaign.name}" (${campaign.objectiveType})`;
  }
  const analysis = await ai.analyzeReply(message.body, context);
  await tx
    .update(messages)
    .set({ analysis: { ...analysis, analyzed_at: now.toISOString() }, updatedAt: now })
    .where(eq(messages.id, message.id));
  await recordGeneration(
    tx,
    { userId: message.userId, agentIdentityId: message.agentIdentityId },
    { type: 'analyze', model: analysis.model, campaignId: message.campaignId, at: now },
  );
  if (analysis.intent === 'unsubscribe') await suppressContact(tx, message.contactId, 'reply', now);
  return 'analyzed';
}
