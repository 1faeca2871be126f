/**
 * drizzle's postgres.js driver runs every query through `sql.unsafe(text, params, { prepare: false })`
 * unless the query was given a name. postgres.js then sends an unnamed statement with parameters in two
 * round trips: Parse + Describe (to learn the parameter types) and, once the server answered, Bind +
 * Execute. Prepared, a statement is parsed and described once per connection and every later run is a
 * single Bind + Execute (drizzle-orm issue #6096). This wrapper makes drizzle's queries prepared
 * statements, as postgres.js's own tagged templates are.
 *
 * Statements with many parameters (bulk inserts, long `in (...)` lists) stay unnamed: each distinct size
 * would be kept by the connection and the server for the connection's life. A client created with
 * `prepare: false` (e.g. behind a transaction-pooling proxy) is left alone: postgres.js only prepares
 * when its own option allows it.
 *
 * A table changed under a prepared statement is planned again by the server; drizzle names every column it
 * reads and returns, so a column added by a newer deployment leaves an older process's statements valid.
 */
import type postgres from 'postgres';

/** Above this many parameters a statement is not kept prepared. */
export const MAX_PREPARED_PARAMETERS = 100;

type Sql = postgres.Sql | postgres.TransactionSql;
type Scoped = (sql: Sql) => unknown;

/** The same client, its transactions and savepoints, with drizzle's queries prepared. */
export function preparedByDefault<T extends Sql>(sql: T): T {
  return new Proxy(sql, {
    get(target, property, receiver) {
      if (property === 'unsafe') {
        return (
          text: string,
          parameters?: postgres.ParameterOrJSON<never>[],
          options?: postgres.UnsafeQueryOptions,
        ) =>
          target.unsafe(text, parameters, {
            ...options,
            prepare: (parameters?.length ?? 0) <= MAX_PREPARED_PARAMETERS,
          });
      }
      if (property === 'begin' || property === 'savepoint') {
        const method = Reflect.get(target, property, receiver) as (...args: unknown[]) => unknown;
        return (...args: unknown[]) => {
          const scoped = args.pop() as Scoped;
          return method.call(target, ...args, (inner: Sql) => scoped(preparedByDefault(inner)));
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
}
