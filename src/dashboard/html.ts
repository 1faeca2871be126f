/**
 * The dashboard's templates: hono's `html` tagged template, which escapes every interpolated string
 * (text and quoted attribute values alike) and leaves out null, undefined and false. Only what another
 * `html` template made is inserted as markup; no template puts caller text on a page unescaped.
 */
import { html } from 'hono/html';

export { html };

/** What a template returns (a promise only when a template interpolates one; the dashboard's never do). */
export type Node = ReturnType<typeof html>;

/** A whole page: the doctype, then the document. */
export async function renderDocument(document: Node): Promise<string> {
  return `<!doctype html>${await document}`;
}

/** An attribute present or not (`checked`, `selected`, `aria-current="page"`). */
export function attr(name: string, on: boolean, value?: string): Node | null {
  if (!on) return null;
  return value === undefined ? html`${name}` : html`${name}="${value}"`;
}
