/**
 * `iris admin …`: operator commands that work on the database directly (not over the API), such as
 * creating an account and printing its first key.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { openMigratedDatabase, usesEmbeddedDatabase } from '../boot.ts';
import { runningServerPid } from '../data-dir-lock.ts';
import { AccountExistsError, createAccount } from '../domain/accounts/create-account.ts';
import { parseEnv } from '../env.ts';

export class UsageError extends Error {}

export function registerAdminCommands(program: Command): void {
  const admin = program
    .command('admin')
    .description(
      'operator commands on the local database (DATABASE_URL or IRIS_DATA_DIR); no API key needed',
    );

  admin
    .command('create-user')
    .description('create an account and print its first admin API key (scope *), shown once')
    .argument('<email>', 'email address of the new account')
    .addHelpText('after', '\nExample:\n  npm run iris -- admin create-user alice@example.com\n')
    .action(async (email: string) => {
      if (!z.email().safeParse(email).success) throw new UsageError(`not an email address: ${email}`);
      const env = parseEnv();
      if (usesEmbeddedDatabase(env)) {
        const pid = runningServerPid(env.IRIS_DATA_DIR);
        if (pid) {
          throw new UsageError(
            `the iris server (pid ${pid}) has ${env.IRIS_DATA_DIR} open; stop it first, or use DATABASE_URL with PostgreSQL`,
          );
        }
      }
      const database = await openMigratedDatabase(env);
      try {
        const { userId, key } = await createAccount(database.db, email);
        process.stdout.write(
          `${JSON.stringify({ user_id: userId, email: email.toLowerCase(), key_id: key.id, api_key: key.key }, null, 2)}\n`,
        );
      } catch (error) {
        if (error instanceof AccountExistsError) throw new UsageError(error.message);
        throw error;
      } finally {
        await database.close();
      }
    });
}
