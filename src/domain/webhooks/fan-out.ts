/**
 * Where deliveries come from. The trigger `events_webhook_fan_out` (db/migrations/*_webhooks-fan-out.sql)
 * runs after every statement inserting outbox events, whichever code path writes them (emit.ts, or a
 * statement that writes events beside its change): in that transaction it makes one delivery per (event,
 * enabled endpoint of the event's account whose filter matches) and one `webhook.deliver` job per delivery
 * (payload `{delivery_id, attempt: 1}`, dedupe key `webhook.deliver:<delivery id>:1`), then NOTIFYs the job
 * workers. The unique (endpoint_id, event_id) index makes it idempotent. Events of agent identities reach
 * no endpoint: accounts never see agents' data, and agents cannot register webhooks (admin scope).
 */

export const DELIVER_JOB_KIND = 'webhook.deliver';

/** The dedupe key of the job running attempt `attempt` of a delivery (the trigger writes attempt 1's). */
export function deliverJobKey(deliveryId: string, attempt: number): string {
  return `${DELIVER_JOB_KIND}:${deliveryId}:${attempt}`;
}
