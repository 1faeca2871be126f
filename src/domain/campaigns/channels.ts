/**
 * The outreach channels a campaign may use. Kept apart from the campaign view so that modules the view
 * depends on (the AI port's analysis schema) can name them without importing the view.
 */
export const CHANNELS = ['email', 'instagram', 'twitter'] as const;
export type Channel = (typeof CHANNELS)[number];
