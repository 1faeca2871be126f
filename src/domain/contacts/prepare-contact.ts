/**
 * Turns a validated input row into what is stored: the email in stored form, the rule that a contact
 * can be reached checked. Single creates answer errors; an import reports them per row.
 */
import { ApiError } from '../../errors/api-error.ts';
import { type ContactInput, normalEmail, reachable, UNREACHABLE } from './contact-view.ts';
import type { PreparedContact } from './upsert-contacts.ts';

export type Prepared =
  | { ok: true; row: PreparedContact }
  | { ok: false; code: 'CONTACT_003' | 'SERVER_005'; reason: string };

export function prepareContact(input: ContactInput): Prepared {
  let email: string | undefined;
  if (input.email !== undefined) {
    email = normalEmail(input.email);
    if (email === undefined) return { ok: false, code: 'CONTACT_003', reason: 'invalid email address' };
  }
  const row = { ...input, email };
  if (email === undefined) delete row.email;
  if (!reachable(row)) return { ok: false, code: 'SERVER_005', reason: UNREACHABLE };
  return { ok: true, row };
}

export function prepareOrRefuse(input: ContactInput): PreparedContact {
  const prepared = prepareContact(input);
  if (!prepared.ok) throw new ApiError(prepared.code, prepared.reason);
  return prepared.row;
}
