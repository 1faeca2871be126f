/**
 * Every operation iris offers, in one explicit list. REST routes, OpenAPI, MCP tools, CLI commands and
 * llms.txt are all generated from this array.
 */
import { agentSettings } from './agent/settings.ts';
import { agentUpdateSettings } from './agent/update-settings.ts';
import { aiAnalyze } from './ai/analyze.ts';
import { aiGenerate } from './ai/generate.ts';
import { aiGenerateCampaign } from './ai/generate-campaign.ts';
import { aiUsage } from './ai/usage.ts';
import { analyticsCampaign } from './analytics/campaign.ts';
import { analyticsContactTypes } from './analytics/contact-types.ts';
import { analyticsOverview } from './analytics/overview.ts';
import { analyticsPerformance } from './analytics/performance.ts';
import { analyticsResponseTime } from './analytics/response-time.ts';
import { auditList } from './audit/list.ts';
import { billingCurrent } from './billing/current.ts';
import { billingPlans } from './billing/plans.ts';
import { campaignsAnalyze } from './campaigns/analyze.ts';
import { campaignsContacts } from './campaigns/contacts.ts';
import { campaignsCreate } from './campaigns/create.ts';
import { campaignsCreateTargetProfile } from './campaigns/create-target-profile.ts';
import { campaignsDelete } from './campaigns/delete.ts';
import { campaignsDeleteTargetProfile } from './campaigns/delete-target-profile.ts';
import { campaignsGet } from './campaigns/get.ts';
import { campaignsList } from './campaigns/list.ts';
import { campaignsQuote } from './campaigns/quote.ts';
import { campaignsSetStatus } from './campaigns/set-status.ts';
import { campaignsTargetProfiles } from './campaigns/target-profiles.ts';
import { campaignsUpdate } from './campaigns/update.ts';
import { campaignsUsage } from './campaigns/usage.ts';
import { channelsAccounts } from './channels/accounts.ts';
import { channelsAvailability } from './channels/availability.ts';
import { channelsConnect } from './channels/connect.ts';
import { channelsDisconnect } from './channels/disconnect.ts';
import { channelsSend } from './channels/send.ts';
import { contactsBulkDelete } from './contacts/bulk-delete.ts';
import { contactsBulkImport } from './contacts/bulk-import.ts';
import { contactsConversations } from './contacts/conversations.ts';
import { contactsCreate } from './contacts/create.ts';
import { contactsDelete } from './contacts/delete.ts';
import { contactsGet } from './contacts/get.ts';
import { contactsList } from './contacts/list.ts';
import { contactsUpdate } from './contacts/update.ts';
import { contactsUsage } from './contacts/usage.ts';
import { conversationsEngagement } from './conversations/engagement.ts';
import { conversationsGet } from './conversations/get.ts';
import { conversationsList } from './conversations/list.ts';
import { conversationsMarkRead } from './conversations/mark-read.ts';
import { conversationsMessages } from './conversations/messages.ts';
import { creditsBalance } from './credits/balance.ts';
import { creditsHistory } from './credits/history.ts';
import { creditsPurchase } from './credits/purchase.ts';
import { creditsRefund } from './credits/refund.ts';
import type { Operation } from './define-operation.ts';
import { discoveryGetJob } from './discovery/get-job.ts';
import { discoveryJobsList } from './discovery/jobs.ts';
import { discoverySearch } from './discovery/search.ts';
import { discoverySearchCampaign } from './discovery/search-campaign.ts';
import { discoverySources } from './discovery/sources.ts';
import { keysCreate } from './keys/create.ts';
import { keysList } from './keys/list.ts';
import { keysMe } from './keys/me.ts';
import { keysRename } from './keys/rename.ts';
import { keysRevoke } from './keys/revoke.ts';
import { keysRotate } from './keys/rotate.ts';
import { messagesApprove } from './messages/approve.ts';
import { messagesBulk } from './messages/bulk.ts';
import { messagesFeedback } from './messages/feedback.ts';
import { messagesPending } from './messages/pending.ts';
import { messagesReject } from './messages/reject.ts';
import { messagesRetry } from './messages/retry.ts';
import { notificationsDelete } from './notifications/delete.ts';
import { notificationsList } from './notifications/list.ts';
import { notificationsReadAll } from './notifications/read-all.ts';
import { notificationsUpdate } from './notifications/update.ts';
import { paymentsGet } from './payments/get.ts';
import { paymentsList } from './payments/list.ts';
import { webhooksCreate } from './webhooks/create.ts';
import { webhooksDelete } from './webhooks/delete.ts';
import { webhooksDeliveries } from './webhooks/deliveries.ts';
import { webhooksGet } from './webhooks/get.ts';
import { webhooksList } from './webhooks/list.ts';
import { webhooksRedeliver } from './webhooks/redeliver.ts';
import { webhooksRotateSecret } from './webhooks/rotate-secret.ts';
import { webhooksTest } from './webhooks/test.ts';
import { webhooksUpdate } from './webhooks/update.ts';

export const operations: readonly Operation[] = [
  keysMe,
  keysList,
  keysCreate,
  keysRename,
  keysRevoke,
  keysRotate,
  campaignsList,
  campaignsCreate,
  campaignsQuote,
  campaignsGet,
  campaignsUpdate,
  campaignsDelete,
  campaignsSetStatus,
  campaignsContacts,
  campaignsAnalyze,
  campaignsUsage,
  campaignsTargetProfiles,
  campaignsCreateTargetProfile,
  campaignsDeleteTargetProfile,
  // Fixed paths before /contacts/:id, so `usage` is not read as an id.
  contactsList,
  contactsCreate,
  contactsUsage,
  contactsBulkImport,
  contactsBulkDelete,
  contactsGet,
  contactsUpdate,
  contactsDelete,
  contactsConversations,
  // Fixed paths before /conversations/:id, so `engagement` is not read as an id.
  conversationsList,
  conversationsEngagement,
  conversationsGet,
  conversationsMessages,
  conversationsMarkRead,
  auditList,
  creditsBalance,
  creditsHistory,
  creditsPurchase,
  creditsRefund,
  paymentsList,
  paymentsGet,
  agentSettings,
  agentUpdateSettings,
  messagesPending,
  messagesApprove,
  messagesReject,
  messagesRetry,
  messagesFeedback,
  messagesBulk,
  aiGenerate,
  aiGenerateCampaign,
  aiAnalyze,
  aiUsage,
  discoverySearch,
  discoverySearchCampaign,
  discoveryGetJob,
  discoverySources,
  discoveryJobsList,
  billingPlans,
  billingCurrent,
  notificationsList,
  notificationsUpdate,
  notificationsDelete,
  notificationsReadAll,
  channelsAccounts,
  channelsConnect,
  channelsDisconnect,
  channelsAvailability,
  channelsSend,
  analyticsOverview,
  analyticsCampaign,
  analyticsPerformance,
  analyticsResponseTime,
  analyticsContactTypes,
  webhooksList,
  webhooksCreate,
  webhooksGet,
  webhooksUpdate,
  webhooksDelete,
  webhooksTest,
  webhooksDeliveries,
  webhooksRotateSecret,
  webhooksRedeliver,
];
