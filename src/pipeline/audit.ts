/**
 * Audit rows, written by the pipeline inside the transaction of the change they describe.
 */
import type { Db } from '../../db/client.ts';
import { auditLog } from '../../db/schema.ts';
import { agentIdentityOf, type Principal } from '../domain/principal.ts';

export interface AuditEntry {
  action: string;
  operationId: string;
  requestId: string;
  principal: Principal;
  resourceId: string | null;
  metadata: Record<string, unknown>;
  at: Date;
}

export async function writeAudit(tx: Db, entry: AuditEntry): Promise<void> {
  const agentIdentity = agentIdentityOf(entry.principal);
  await tx.insert(auditLog).values({
    action: entry.action,
    operationId: entry.operationId,
    requestId: entry.requestId,
    userId: entry.principal.kind === 'anonymous' ? null : entry.principal.userId,
    apiKeyId: entry.principal.kind === 'key' ? entry.principal.keyId : null,
    resourceId: entry.resourceId,
    metadata: agentIdentity ? { ...entry.metadata, agent_identity_id: agentIdentity } : entry.metadata,
    createdAt: entry.at,
  });
}
