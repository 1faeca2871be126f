/**
 * `{{variables}}` in AI-written text. Text taken from a person's brief is made safe to put in a message
 * (`safeText`); an answer is checked before it is used (`unresolvedPlaceholders`): every `{{…}}` in it must
 * name a value the recipient has.
 */
import { variablesOf } from '../../domain/messages/variables.ts';

const VARIABLE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
/** Two or more braces in a row: what is left of a placeholder once the well-formed ones are taken out. */
const BRACES = /[{}]{2,}/g;

function humanize(name: string): string {
  return name.replaceAll('_', ' ');
}

/**
 * `text` with each `{{variable}}` that `known` accepts kept (written `{{name}}`), every other one turned
 * into its plain words, and stray braces dropped, so nothing in it is left unresolved.
 */
export function safeText(text: string, known: (name: string) => boolean): string {
  let out = '';
  let last = 0;
  for (const match of text.matchAll(VARIABLE)) {
    const name = match[1] as string;
    out += text.slice(last, match.index).replace(BRACES, '');
    out += known(name) ? `{{${name}}}` : humanize(name);
    last = match.index + match[0].length;
  }
  return out + text.slice(last).replace(BRACES, '');
}

/**
 * What in `text` would stay unresolved for a recipient with the values `known` accepts: the names of
 * variables it lacks, and `{{…}}` for a placeholder that names nothing (`{{ first name }}`, `{{`).
 */
export function unresolvedPlaceholders(text: string, known: (name: string) => boolean): string[] {
  const unknown = variablesOf(text).filter((name) => !known(name));
  const stray = /\{\{|\}\}/.test(text.replace(VARIABLE, '')) ? ['{{…}}'] : [];
  return [...unknown, ...stray];
}
