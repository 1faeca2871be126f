/**
 * The unsubscribe pages behind every message's link and List-Unsubscribe header; no key, the message id
 * in the path names the recipient (src/domain/sending/unsubscribe.ts).
 *
 * - `GET /unsubscribe/:id` shows a page with one button. A GET changes nothing: mail scanners and link
 *   previews open links, and must not unsubscribe people.
 * - `POST /unsubscribe/:id` unsubscribes: the button's form, or a mail client's RFC 8058 one-click POST
 *   (body `List-Unsubscribe=One-Click`, no cookies, no redirect followed). Answers 200 either way, also
 *   for a contact already unsubscribed; an id that names no message answers 404.
 */
import express, { type Express, type Request, type Response } from 'express';
import { recipientOf, unsubscribeByMessage } from '../domain/sending/unsubscribe.ts';
import type { Services } from '../services.ts';

const HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

/** A page with a title and a body of fixed markup: no user data is ever placed in it. */
function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${title}</title><style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;line-height:1.5}button{font:inherit;padding:.5rem 1rem}</style></head><body><h1>${title}</h1>${body}</body></html>`;
}

const ASK = page(
  'Unsubscribe',
  '<p>Stop receiving messages from this sender, on every channel?</p><form method="post"><button type="submit">Unsubscribe</button></form>',
);
const DONE = page('You are unsubscribed', '<p>You will not receive more messages from this sender.</p>');
const UNKNOWN = page('Link not found', '<p>This unsubscribe link does not name a message we sent.</p>');

function answer(res: Response, status: number, html: string): void {
  res.status(status).set(HEADERS).send(html);
}

export function mountUnsubscribe(app: Express, services: Services): void {
  app.get('/unsubscribe/:id', async (req: Request, res: Response) => {
    const recipient = await recipientOf(services.db, String(req.params.id));
    if (!recipient) return answer(res, 404, UNKNOWN);
    answer(res, 200, recipient.unsubscribed ? DONE : ASK);
  });
  app.post(
    '/unsubscribe/:id',
    // Whatever the form encoding (urlencoded, or multipart as RFC 8058 also allows), any POST unsubscribes.
    express.text({ type: () => true, limit: '16kb' }),
    async (req: Request, res: Response) => {
      const body = typeof req.body === 'string' ? req.body : '';
      const reason = /List-Unsubscribe[\s\S]{0,80}One-Click/.test(body) ? 'one_click' : 'link';
      const found = await unsubscribeByMessage(services.db, String(req.params.id), reason, services.clock());
      answer(res, found ? 200 : 404, found ? DONE : UNKNOWN);
    },
  );
}
