/**
 * An agent identity (a wallet) with its API key, as a first payment would leave them, for tests of what
 * agent keys may reach.
 */
import { issueAgentKey, upsertIdentity } from '../../src/domain/agents/identities.ts';
import type { TestServer } from './test-server.ts';

export async function agentWithKey(
  server: Pick<TestServer, 'services'>,
  wallet: string,
  label = 'agent test',
): Promise<{ identityId: string; agentKey: { key: string; id: string } }> {
  const db = server.services.db;
  const identityId = await upsertIdentity(db, 'wallet', wallet);
  const agentKey = await issueAgentKey(db, {
    identityId,
    systemUserId: server.services.systemUserId,
    label,
    now: new Date(),
  });
  if (!agentKey) throw new Error('no agent key');
  return { identityId, agentKey };
}
