/**
 * Other names the reference's examples use: short flags for long input fields, applied to every
 * operation that has the field, and other names for command groups.
 */

/** Alias flag -> input field: `--objective` sets `objective_type`, `--campaign` sets `campaign_id`. */
export const FLAG_ALIASES: Readonly<Record<string, string>> = {
  objective: 'objective_type',
  campaign: 'campaign_id',
};

/** Group -> other names it answers to: `iris audit-log list` (the REST path is /audit-log). */
export const GROUP_ALIASES: Readonly<Record<string, readonly string[]>> = {
  audit: ['audit-log'],
};

/** The alias flag of an input field, if the table has one. */
export function aliasOf(field: string): string | undefined {
  return Object.entries(FLAG_ALIASES).find(([, target]) => target === field)?.[0];
}

/** A command that runs an operation with some input fixed, under the name the reference's CLI gives it. */
export interface PresetCommand {
  command: string;
  operation: string;
  fixed: Readonly<Record<string, unknown>>;
  description: string;
}

export const PRESET_COMMANDS: readonly PresetCommand[] = [
  {
    command: 'bulk-approve',
    operation: 'messages.bulk',
    fixed: { action: 'approve' },
    description: 'approve up to 100 drafts (messages bulk --action approve)',
  },
  {
    command: 'bulk-reject',
    operation: 'messages.bulk',
    fixed: { action: 'reject' },
    description: 'reject up to 100 drafts (messages bulk --action reject)',
  },
  {
    command: 'mark-read',
    operation: 'notifications.update',
    fixed: { read: true },
    description: 'mark a notification read (notifications update <id> --read)',
  },
  {
    command: 'summary',
    operation: 'analytics.overview',
    fixed: {},
    description: 'overall analytics across all campaigns (analytics overview)',
  },
];
