/**
 * Audit rows, written by the pipeline inside the transaction of the change they describe.
 */
import { type SQL, sql } from 'drizzle-orm';
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

function auditValues(entry: AuditEntry) {
  const agentIdentity = agentIdentityOf(entry.principal);
  return {
    action: entry.action,
    operationId: entry.operationId,
    requestId: entry.requestId,
    userId: entry.principal.kind === 'anonymous' ? null : entry.principal.userId,
    apiKeyId: entry.principal.kind === 'key' ? entry.principal.keyId : null,
    resourceId: entry.resourceId,
    metadata: agentIdentity ? { ...entry.metadata, agent_identity_id: agentIdentity } : entry.metadata,
    createdAt: entry.at,
  };
}

export async function writeAudit(tx: Db, entry: AuditEntry): Promise<void> {
  await tx.insert(auditLog).values(auditValues(entry));
}

/**
 * The audit row as the last part of a statement that makes the change: inserted once per row of
 * `source` (a CTE of that statement, e.g. an UPDATE … RETURNING), so none is written when it changed
 * nothing.
 */
export function auditFrom(source: string, entry: AuditEntry): SQL {
  const v = auditValues(entry);
  return sql`insert into ${auditLog}
      (action, operation_id, request_id, user_id, api_key_id, resource_id, metadata, created_at)
    select ${v.action}, ${v.operationId}, ${v.requestId}, ${v.userId}::uuid, ${v.apiKeyId}::uuid,
      ${v.resourceId}, ${JSON.stringify(v.metadata)}::jsonb, ${v.createdAt.toISOString()}::timestamptz
    from ${sql.identifier(source)}`;
}
