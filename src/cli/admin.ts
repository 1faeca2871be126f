/**
 * `iris admin …`: operator commands that work on the database directly (not over the API), such as
 * creating an account and printing its first key.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { PLAN_IDS } from '../domain/billing/plans.ts';
import { type CliIo, UsageError } from './io.ts';

export function registerAdminCommands(program: Command, io: CliIo): void {
  const admin = program
    .command('admin')
    .description(
      'operator commands on the database (DATABASE_URL, or the embedded one in IRIS_DATA_DIR, also while the server runs); no API key needed',
    );

  admin
    .command('create-user')
    .description('create an account and print its first admin API key (scope *), shown once')
    .argument('<email>', 'email address of the new account')
    .addHelpText('after', '\nExample:\n  npm run iris -- admin create-user alice@example.com\n')
    .action(async (email: string) => {
      if (!z.email().safeParse(email).success) throw new UsageError(`not an email address: ${email}`);
      // Loaded here, not at start-up: the database code would slow down every other command.
      const [{ openOperatorDatabase }, accounts, { parseEnv }] = await Promise.all([
        import('../boot.ts'),
        import('../domain/accounts/create-account.ts'),
        import('../env.ts'),
      ]);
      const database = await openOperatorDatabase(parseEnv(io.env));
      try {
        const { userId, key } = await accounts.createAccount(database.db, email);
        io.stdout.write(
          `${JSON.stringify({ user_id: userId, email: email.toLowerCase(), key_id: key.id, api_key: key.key }, null, 2)}\n`,
        );
      } catch (error) {
        if (error instanceof accounts.AccountExistsError) throw new UsageError(error.message);
        throw error;
      } finally {
        await database.close();
      }
    });

  admin
    .command('set-plan')
    .description(`move an account to another billing plan (${PLAN_IDS.join(', ')}); its limits apply at once`)
    .argument('<email>', 'email address of the account')
    .argument('<plan>', PLAN_IDS.join(' | '))
    .addHelpText('after', '\nExample:\n  npm run iris -- admin set-plan alice@example.com agency\n')
    .action(async (email: string, plan: string) => {
      const planId = z.enum(PLAN_IDS).safeParse(plan);
      if (!planId.success) throw new UsageError(`unknown plan ${plan}: use one of ${PLAN_IDS.join(', ')}`);
      const [{ openOperatorDatabase }, accounts, { parseEnv }] = await Promise.all([
        import('../boot.ts'),
        import('../domain/accounts/set-plan.ts'),
        import('../env.ts'),
      ]);
      const database = await openOperatorDatabase(parseEnv(io.env));
      try {
        const { userId, from } = await accounts.setPlan(database.db, email, planId.data);
        io.stdout.write(
          `${JSON.stringify({ user_id: userId, email: email.toLowerCase(), plan: planId.data, previous_plan: from }, null, 2)}\n`,
        );
      } catch (error) {
        if (error instanceof accounts.AccountNotFoundError) throw new UsageError(error.message);
        throw error;
      } finally {
        await database.close();
      }
    });
}
