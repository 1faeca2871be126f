/**
 * Independent statements of one transaction, sent at once: they are pipelined on the transaction's
 * connection (one round trip's wait instead of several). All are awaited before a failure is reported,
 * so none is still running when the transaction ends; the failure reported is the first to happen (the
 * others then only say the transaction is aborted).
 */
export async function together<T extends readonly unknown[]>(
  ...statements: { [K in keyof T]: Promise<T[K]> }
): Promise<T> {
  const failures: unknown[] = [];
  const results = await Promise.all(
    statements.map((statement) =>
      statement.catch((error: unknown) => {
        failures.push(error);
        return undefined;
      }),
    ),
  );
  if (failures.length > 0) throw failures[0];
  return results as unknown as T;
}
