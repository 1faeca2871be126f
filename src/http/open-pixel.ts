/**
 * `GET /o/<message id>.gif`: the tracking image of an email (EMAIL_TRACK_OPENS). No key; it always
 * answers the same transparent 1×1 GIF, uncacheable, and records the first load as the message's open
 * (src/domain/sending/open-tracking.ts).
 */
import type { Express, Request, Response } from 'express';
import { recordOpen } from '../domain/sending/open-tracking.ts';
import type { Services } from '../services.ts';

const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

export function mountOpenPixel(app: Express, services: Services): void {
  app.get('/o/:file', async (req: Request, res: Response) => {
    const match = /^([0-9a-f-]{36})\.gif$/.exec(String(req.params.file));
    if (match?.[1]) await recordOpen(services.db, match[1], services.clock());
    res
      .status(200)
      .set({
        'Content-Type': 'image/gif',
        'Cache-Control': 'no-store, no-cache, must-revalidate, private',
        'Referrer-Policy': 'no-referrer',
      })
      .send(PIXEL);
  });
}
