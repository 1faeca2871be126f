/**
 * Database setup shared by the bench servers: the database the orchestrator handed over (DATABASE_URL),
 * migrated by the real migrator, and identical campaign rows.
 */
import { type Database, type Db, openDatabase } from '../../db/client.ts';
import { migrate } from '../../db/migrate.ts';
import { campaigns } from '../../db/schema.ts';

/** Campaigns seeded per account: one default page (limit 20) with has_more false. */
export const CAMPAIGNS_PER_ACCOUNT = 20;

/** The database URL the orchestrator handed to this child. */
export function childDatabaseUrl(): string {
  const url = process.env.DATABASE_URL?.trim();
  if (!url) throw new Error('bench child started without DATABASE_URL');
  return url;
}

export async function openBenchDatabase(): Promise<Database> {
  const database = await openDatabase({ url: childDatabaseUrl() });
  try {
    await migrate(database.db);
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

/** Inserts `count` draft campaigns for the user, one second apart, newest at `now`. */
export async function seedCampaigns(db: Db, userId: string, now: Date, count = CAMPAIGNS_PER_ACCOUNT) {
  const rows = Array.from({ length: count }, (_, i) => {
    const at = new Date(now.getTime() - i * 1000);
    return {
      userId,
      name: `bench campaign ${String(i + 1).padStart(3, '0')}`,
      objectiveType: 'product_promotion',
      location: 'Brooklyn, NY',
      radiusMiles: 10,
      venueTypes: ['bar', 'club'],
      keywords: ['techno', 'house'],
      maxResults: 50,
      outreachChannels: ['email'],
      followupDays: [3, 7],
      status: 'draft',
      createdAt: at,
      updatedAt: at,
    };
  });
  await db.insert(campaigns).values(rows);
}
