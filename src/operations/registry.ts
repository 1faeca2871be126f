/**
 * Every operation iris offers, in one explicit list. REST routes, OpenAPI, MCP tools, CLI commands and
 * llms.txt are all generated from this array.
 */
import { auditList } from './audit/list.ts';
import { campaignsCreate } from './campaigns/create.ts';
import { campaignsCreateTargetProfile } from './campaigns/create-target-profile.ts';
import { campaignsDelete } from './campaigns/delete.ts';
import { campaignsDeleteTargetProfile } from './campaigns/delete-target-profile.ts';
import { campaignsGet } from './campaigns/get.ts';
import { campaignsList } from './campaigns/list.ts';
import { campaignsSetStatus } from './campaigns/set-status.ts';
import { campaignsTargetProfiles } from './campaigns/target-profiles.ts';
import { campaignsUpdate } from './campaigns/update.ts';
import { creditsBalance } from './credits/balance.ts';
import { creditsHistory } from './credits/history.ts';
import { creditsPurchase } from './credits/purchase.ts';
import { creditsRefund } from './credits/refund.ts';
import type { Operation } from './define-operation.ts';
import { keysCreate } from './keys/create.ts';
import { keysList } from './keys/list.ts';
import { keysMe } from './keys/me.ts';
import { keysRename } from './keys/rename.ts';
import { keysRevoke } from './keys/revoke.ts';
import { keysRotate } from './keys/rotate.ts';

export const operations: readonly Operation[] = [
  keysMe,
  keysList,
  keysCreate,
  keysRename,
  keysRevoke,
  keysRotate,
  campaignsList,
  campaignsCreate,
  campaignsGet,
  campaignsUpdate,
  campaignsDelete,
  campaignsSetStatus,
  campaignsTargetProfiles,
  campaignsCreateTargetProfile,
  campaignsDeleteTargetProfile,
  auditList,
  creditsBalance,
  creditsHistory,
  creditsPurchase,
  creditsRefund,
];
