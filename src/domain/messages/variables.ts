/**
 * `{{variables}}` in message templates: a contact's fields (first_name, last_name, company, title,
 * location, email, website, instagram_handle, x_handle) and its custom attributes. Drafts keep their
 * variables; they are resolved against the contact when the message is sent. A variable the contact has
 * no value for is reported by name, never replaced with an empty string.
 */

const VARIABLE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

export const CONTACT_VARIABLES = [
  'first_name',
  'last_name',
  'company',
  'title',
  'location',
  'email',
  'website',
  'instagram_handle',
  'x_handle',
] as const;

export interface VariableSource {
  fields: Partial<Record<(typeof CONTACT_VARIABLES)[number], string | null>>;
  attributes: Readonly<Record<string, string>>;
}

/** The names of the variables a template uses, in order of first use. */
export function variablesOf(template: string): string[] {
  return [...new Set([...template.matchAll(VARIABLE)].map((match) => match[1] as string))];
}

function variableValue(name: string, source: VariableSource): string | undefined {
  const field = source.fields[name as (typeof CONTACT_VARIABLES)[number]];
  if (typeof field === 'string' && field.length > 0) return field;
  const attribute = source.attributes[name];
  return attribute !== undefined && attribute.length > 0 ? attribute : undefined;
}

export type Rendered = { ok: true; text: string } | { ok: false; missing: string[] };

/** The template with every variable replaced, or the names of those the source has no value for. */
export function renderVariables(template: string, source: VariableSource): Rendered {
  const missing = variablesOf(template).filter((name) => variableValue(name, source) === undefined);
  if (missing.length > 0) return { ok: false, missing };
  return {
    ok: true,
    text: template.replace(VARIABLE, (_, name: string) => variableValue(name, source) as string),
  };
}
