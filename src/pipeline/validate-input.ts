/**
 * Merges path params, query and body into one object and validates it with the operation's schema.
 * Unusable requests are 400 SERVER_002 (input nested deeper than operations take among them);
 * well-formed input that fails the schema, or holds text the database cannot store (NUL, unpaired
 * surrogates), is 422 SERVER_005 with the offending field named.
 */
import type { z } from 'zod';
import { unstorableInput } from '../domain/storable.ts';
import { ApiError } from '../errors/api-error.ts';
import type { Operation } from '../operations/define-operation.ts';
import type { RawInput } from './operation-io.ts';

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => {
      const prefix = issue.path.length > 0 ? `${issue.path.join('.')}.` : '';
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => `${prefix}${key}: unknown field`).join('; ');
      }
      const field = issue.path.length > 0 ? issue.path.join('.') : 'body';
      if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined'))
        return `${field}: required`;
      return `${field}: ${issue.message}`;
    })
    .join('; ');
}

function isEmpty(record: Record<string, unknown>): boolean {
  for (const _ in record) return false;
  return true;
}

export function validateInput(operation: Operation, raw: RawInput): unknown {
  let body: Record<string, unknown> = {};
  if (raw.body !== undefined && raw.body !== null && raw.body !== '') {
    if (typeof raw.body !== 'object' || Array.isArray(raw.body)) {
      throw new ApiError('SERVER_002', 'request body must be a JSON object');
    }
    body = raw.body as Record<string, unknown>;
  }
  // Most writes have neither query nor path parameters: the body is then the input as it is.
  const merged = isEmpty(raw.query) && isEmpty(raw.params) ? body : { ...raw.query, ...body, ...raw.params };
  const problem = unstorableInput(merged);
  if (problem?.kind === 'depth') {
    throw new ApiError('SERVER_002', `input nested too deeply at ${problem.path || 'body'}`);
  }
  if (problem) {
    throw new ApiError(
      'SERVER_005',
      `invalid input - ${problem.path || 'body'}: text must not contain NUL characters or unpaired surrogates`,
    );
  }
  const result = operation.input.safeParse(merged);
  if (!result.success) {
    throw new ApiError('SERVER_005', `invalid input - ${describeIssues(result.error.issues)}`);
  }
  return result.data;
}
