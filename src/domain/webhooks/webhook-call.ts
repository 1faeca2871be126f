/**
 * What the webhook operations need of their caller (an operation's context has it all), and the URL
 * check they share: the address guard's refusal becomes 400 HOOK_003 naming the field.
 */
import type { Db } from '../../../db/client.ts';
import { ApiError } from '../../errors/api-error.ts';
import { resolveTarget } from '../../integrations/webhooks/resolve-target.ts';
import type { Services } from '../../services.ts';
import type { Principal } from '../principal.ts';

export interface WebhookCall {
  db: Db;
  services: Services;
  principal: Principal;
  now: Date;
}

/** Refuses a URL iris must not deliver to (scheme, credentials, where its host resolves). */
export async function assertDeliverableUrl(services: Services, url: string): Promise<void> {
  const checked = await resolveTarget(url, { allowPrivate: services.env.WEBHOOKS_ALLOW_PRIVATE });
  if (!checked.ok) throw new ApiError('HOOK_003', `invalid webhook payload - url: ${checked.message}`);
}
