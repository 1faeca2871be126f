import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: [
    './db/schema.ts',
    './db/schema-payments.ts',
    './db/schema-credits.ts',
    './db/schema-jobs.ts',
    './db/schema-contacts.ts',
    './db/schema-events.ts',
    './db/schema-messages.ts',
    './db/schema-channels.ts',
    './db/schema-webhooks.ts',
    './db/schema-dashboard.ts',
  ],
  out: './db/migrations',
});
