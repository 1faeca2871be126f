/**
 * The campaign status machine (DECISIONS.md): draft → active, active ⇄ paused, active | paused →
 * completed; deleting is its own operation and reaches `deleted` from any other status. Activating an
 * active campaign is 409 CAMP_005; activating one with nothing to work on is 400 CAMP_007; any other
 * move is 400 CAMP_008. `pending_payment` belongs to the payment rails and is never set here.
 */
import type { ErrorCode } from '../../errors/catalogue.ts';
import type { CAMPAIGN_STATUSES } from './campaign-view.ts';

export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/** What activation needs: contacts to write to, or something to discover them from. */
export interface ActivationFacts {
  contacts: number;
  targetProfiles: number;
  location: string | null;
  keywords: readonly string[];
  venueTypes: readonly string[];
}

export type Move = { ok: true } | { ok: false; code: ErrorCode; message: string };

const ALLOWED: Readonly<Record<CampaignStatus, readonly CampaignStatus[]>> = {
  draft: ['active'],
  active: ['paused', 'completed'],
  paused: ['active', 'completed'],
  completed: [],
  deleted: [],
  pending_payment: [],
};

export function statusMove(from: CampaignStatus, to: CampaignStatus, facts: ActivationFacts): Move {
  if (to === 'active' && from === 'active') {
    return { ok: false, code: 'CAMP_005', message: 'campaign already active' };
  }
  if (!ALLOWED[from].includes(to)) {
    const hint = to === 'deleted' ? ' (delete it with DELETE /campaigns/:id)' : '';
    return { ok: false, code: 'CAMP_008', message: `a ${from} campaign cannot become ${to}${hint}` };
  }
  if (to === 'active' && from === 'draft') {
    const discoverable =
      facts.location !== null ||
      facts.keywords.length > 0 ||
      facts.venueTypes.length > 0 ||
      facts.targetProfiles > 0;
    if (facts.contacts === 0 && !discoverable) {
      return {
        ok: false,
        code: 'CAMP_007',
        message:
          'campaign has no contacts and nothing to discover them from: add a location, keywords, venue types or a target profile',
      };
    }
  }
  return { ok: true };
}
