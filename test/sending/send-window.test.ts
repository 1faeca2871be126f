/**
 * A campaign's send window and daily cap: the window's arithmetic in real time zones (whole, half-hour
 * offsets, the week's wrap), the jitter staying inside the window, and over SMTP a message due outside
 * the window waiting for its opening, a capped campaign sending its cap and moving the rest to the next
 * day.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaigns } from '../../db/schema.ts';
import { messages } from '../../db/schema-messages.ts';
import {
  insideWindow,
  localTime,
  nextLocalDay,
  nextOpening,
  type SendWindow,
  withJitter,
} from '../../src/domain/sending/send-window.ts';
import { api } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { approve, messageRow, statusIs, thread, until } from './send-fixtures.ts';
import { type SmtpSink, startSmtpSink } from './smtp-sink.ts';

const weekdays: SendWindow = {
  timezone: 'America/Chicago',
  days: ['mon', 'tue', 'wed', 'thu', 'fri'],
  start_hour: 9,
  end_hour: 17,
};

describe('the send window', () => {
  it('opens next on Monday 09:00 local when asked on a Saturday', () => {
    // Saturday 2026-12-05 16:00 UTC = 10:00 in Chicago (UTC-6).
    const saturday = new Date('2026-12-05T16:00:00Z');
    expect(localTime(saturday, 'America/Chicago')).toEqual({ day: 'sat', date: '2026-12-05', hour: 10 });
    expect(insideWindow(saturday, weekdays)).toBe(false);
    expect(nextOpening(saturday, weekdays).toISOString()).toBe('2026-12-07T15:00:00.000Z');
    // Inside: the same instant.
    const tuesday = new Date('2026-12-08T20:30:00Z');
    expect(nextOpening(tuesday, weekdays)).toBe(tuesday);
    // Friday after hours → Monday.
    expect(nextOpening(new Date('2026-12-11T23:10:00Z'), weekdays).toISOString()).toBe(
      '2026-12-14T15:00:00.000Z',
    );
  });

  it('follows half-hour offsets and the date line of the zone', () => {
    const kolkata: SendWindow = { timezone: 'Asia/Kolkata', days: ['sun'], start_hour: 8, end_hour: 9 };
    // 08:00 IST is 02:30 UTC.
    expect(nextOpening(new Date('2026-12-01T00:00:00Z'), kolkata).toISOString()).toBe(
      '2026-12-06T02:30:00.000Z',
    );
    expect(nextLocalDay(new Date('2026-12-05T23:00:00Z'), 'Asia/Kolkata').toISOString()).toBe(
      '2026-12-06T18:30:00.000Z',
    );
    expect(nextLocalDay(new Date('2026-12-05T23:00:00Z'), 'UTC').toISOString()).toBe(
      '2026-12-06T00:00:00.000Z',
    );
  });

  it('delays an opening by up to 15 minutes, never out of the window', () => {
    const opening = new Date('2026-12-07T15:00:00Z');
    expect(withJitter(opening, weekdays, () => 0.5).toISOString()).toBe('2026-12-07T15:07:30.000Z');
    const lastMinutes: SendWindow = { ...weekdays, start_hour: 16, end_hour: 17 };
    const late = new Date('2026-12-07T22:55:00Z'); // 16:55 local
    expect(withJitter(late, lastMinutes, () => 0.99)).toBe(late);
  });
});

describe('sending within a window and a daily cap', () => {
  let sink: SmtpSink;
  let server: TestServer;
  beforeAll(async () => {
    sink = await startSmtpSink();
    server = await startTestServer(
      { SMTP_URL: sink.url, EMAIL_FROM: 'Iris <outreach@iris.test>' },
      { jobs: { settings: { pollIntervalMs: 50, backoffBaseMs: 1, backoffMaxMs: 5 } } },
    );
    server.pause();
  });
  afterAll(async () => {
    await server?.close();
    await sink?.close();
  });

  it('keeps a message due outside the window queued until its opening', async () => {
    const t = await thread(server.services.db, server.ownerId);
    // A window that is closed now: the hour after the current UTC hour, every day.
    const now = server.services.clock();
    const start = (now.getUTCHours() + 2) % 24;
    const window = {
      timezone: 'UTC',
      days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
      start_hour: Math.min(start, 22),
      end_hour: Math.min(start, 22) + 1,
    };
    const patched = await api(server.url, 'PATCH', `/campaigns/${t.campaign.id}`, {
      key: server.adminKey,
      body: { send_window: window },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body.data.send_window).toEqual(window);
    await approve(server, [t.first.id]);
    const waiting = await until('the wait', async () => {
      const row = await messageRow(server, t.first.id);
      return row.scheduledAt ? row : undefined;
    });
    expect(waiting.status).toBe('queued');
    const opening = nextOpening(now, window as SendWindow);
    expect(waiting.scheduledAt?.getTime()).toBeGreaterThanOrEqual(opening.getTime());
    expect(waiting.scheduledAt?.getTime()).toBeLessThan(opening.getTime() + 15 * 60_000);
    expect(sink.mailsTo(t.contact.email as string)).toHaveLength(0);

    server.advance((waiting.scheduledAt?.getTime() ?? 0) - now.getTime() + 1_000);
    await server.services.jobs.runDue();
    await until('the send', statusIs(server, t.first.id, ['sent']));
    expect(sink.mailsTo(t.contact.email as string)).toHaveLength(1);
  });

  it('sends the daily cap and moves the rest to the next day', async () => {
    const a = await thread(server.services.db, server.ownerId);
    const b = await thread(server.services.db, server.ownerId);
    // Both first messages in one capped campaign.
    await server.services.db
      .update(campaigns)
      .set({ dailySendCap: 1 })
      .where(eq(campaigns.id, a.campaign.id));
    await server.services.db
      .update(messages)
      .set({ campaignId: a.campaign.id })
      .where(eq(messages.campaignId, b.campaign.id));
    await approve(server, [a.first.id, b.first.id]);
    const settled = await until('one sent, one waiting', async () => {
      const rows = await Promise.all([messageRow(server, a.first.id), messageRow(server, b.first.id)]);
      const sent = rows.filter((r) => r.status === 'sent');
      const waiting = rows.filter((r) => r.status === 'queued' && r.scheduledAt !== null);
      return sent.length === 1 && waiting.length === 1 ? { sent, waiting } : undefined;
    });
    const now = server.services.clock();
    const tomorrow = nextLocalDay(now, 'UTC');
    const waitingUntil = settled.waiting[0]?.scheduledAt?.getTime() ?? 0;
    expect(waitingUntil).toBeGreaterThanOrEqual(tomorrow.getTime());
    expect(waitingUntil).toBeLessThan(tomorrow.getTime() + 15 * 60_000);
  });
});
