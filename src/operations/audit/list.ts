import { and, desc, eq, gte, lte } from 'drizzle-orm';
import { z } from 'zod';
import { auditLog } from '../../../db/schema.ts';
import { userIdOf } from '../../domain/api-keys/owned-key.ts';
import { afterCursor, PaginationInput, pageOf } from '../../domain/pagination.ts';
import { TimestampInput } from '../../domain/storable.ts';
import { Timestamp } from '../../domain/timestamps.ts';
import { defineOperation } from '../define-operation.ts';

const AuditEntry = z.object({
  id: z.uuid(),
  action: z.string(),
  operation: z.string().describe('operation id that wrote the entry'),
  resource_id: z.string().nullable(),
  api_key_id: z.uuid().nullable(),
  user_id: z.uuid().nullable(),
  request_id: z.string(),
  metadata: z.record(z.string(), z.unknown()),
  created_at: Timestamp,
});

export const auditList = defineOperation({
  id: 'audit.list',
  method: 'GET',
  path: '/audit-log',
  summary: 'list audit log entries of your account, newest first, filtered by action, resource, key or time',
  scope: 'admin',
  paginated: true,
  input: z.object({
    action: z.string().max(64).optional().describe('e.g. create_key, revoke_key, create_campaign'),
    resource_id: z.string().max(200).optional(),
    api_key_id: z.uuid().optional(),
    since: TimestampInput.optional().describe('entries at or after this time'),
    until: TimestampInput.optional().describe('entries at or before this time'),
    ...PaginationInput,
  }),
  output: z.array(AuditEntry),
  handler: async (ctx, input) => {
    const rows = await ctx.db
      .select()
      .from(auditLog)
      .where(
        and(
          eq(auditLog.userId, userIdOf(ctx.principal)),
          input.action ? eq(auditLog.action, input.action) : undefined,
          input.resource_id ? eq(auditLog.resourceId, input.resource_id) : undefined,
          input.api_key_id ? eq(auditLog.apiKeyId, input.api_key_id) : undefined,
          input.since ? gte(auditLog.createdAt, new Date(input.since)) : undefined,
          input.until ? lte(auditLog.createdAt, new Date(input.until)) : undefined,
          afterCursor(input.cursor, auditLog.createdAt, auditLog.id),
        ),
      )
      .orderBy(desc(auditLog.createdAt), desc(auditLog.id))
      .limit(input.limit + 1);
    const page = pageOf(rows, input.limit);
    return {
      data: page.rows.map((row) => ({
        id: row.id,
        action: row.action,
        operation: row.operationId,
        resource_id: row.resourceId,
        api_key_id: row.apiKeyId,
        user_id: row.userId,
        request_id: row.requestId,
        metadata: row.metadata as Record<string, unknown>,
        created_at: row.createdAt.toISOString(),
      })),
      meta: { pagination: page.pagination },
    };
  },
});
