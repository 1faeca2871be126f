/**
 * Where replies come in; no API key — each delivery is signed with INBOUND_SECRET
 * (src/domain/inbound/inbound-signature.ts), checked over the exact raw body before anything is parsed
 * or stored. A missing or bad signature answers 401 and stores nothing.
 *
 * - `POST /inbound/email`: one raw RFC 822 message (what a mail relay's inbound hook or a `pipe`
 *   transport hands over), matched to its conversation by In-Reply-To / References or the reply address.
 * - `POST /inbound/instagram`, `POST /inbound/twitter`: one DM as JSON (receive-dm.ts's InboundDm),
 *   posted by the bridge that takes the platform's webhook.
 *
 * Answers 200 with what happened (`matched`, the conversation and message ids, `duplicate` for a
 * delivery seen before): a mail that matches nothing is acknowledged too, so the sender does not retry it.
 */
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { inboundSignatureProblem } from '../domain/inbound/inbound-signature.ts';
import { DM_CHANNELS, InboundDm, receiveDm } from '../domain/inbound/receive-dm.ts';
import { receiveEmail } from '../domain/inbound/receive-email.ts';
import { unstorableInput } from '../domain/storable.ts';
import { ApiError } from '../errors/api-error.ts';
import { errorResponse } from '../pipeline/execute-operation.ts';
import type { Services } from '../services.ts';
import { requestIdOf } from './middleware/request-id.ts';
import { send } from './send.ts';

/** Largest inbound delivery: a mail with its attachments. */
const MAX_BODY = '25mb';

function header(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function mountInbound(app: Express, services: Services): void {
  const readRaw = express.raw({ type: () => true, limit: MAX_BODY });
  const raw = (req: Request, res: Response, next: NextFunction) => {
    readRaw(req, res, (error?: unknown) => {
      if (error === undefined || error === null) return next();
      const tooLarge = (error as { type?: unknown }).type === 'entity.too.large';
      const refusal = tooLarge
        ? new ApiError('SERVER_011', `an inbound delivery is at most ${MAX_BODY}`)
        : new ApiError('SERVER_002', 'the body could not be read');
      send(res, errorResponse(services, refusal, requestIdOf(res)));
    });
  };
  const signed = (req: Request, res: Response, next: NextFunction) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const problem = inboundSignatureProblem(
      services.env.INBOUND_SECRET,
      { timestamp: header(req, 'x-iris-timestamp'), signature: header(req, 'x-iris-signature') },
      body,
      services.clock(),
    );
    if (problem) {
      send(res, errorResponse(services, new ApiError('AUTH_001', problem), requestIdOf(res)));
      return;
    }
    if (body.length === 0) {
      send(res, errorResponse(services, new ApiError('HOOK_003', 'the body is empty'), requestIdOf(res)));
      return;
    }
    next();
  };

  app.post('/inbound/email', raw, signed, async (req: Request, res: Response) => {
    const received = await receiveEmail(
      services.db,
      req.body as Buffer,
      { messageIdDomain: services.channels.messageIdDomain, replyDomain: services.env.EMAIL_REPLY_DOMAIN },
      services.clock(),
    );
    const data = received.matched
      ? {
          matched: true,
          conversation_id: received.conversationId,
          message_id: received.messageId,
          duplicate: received.duplicate,
          auto_reply: received.autoReply,
        }
      : { matched: false, reason: received.reason };
    send(res, { status: 200, headers: {}, body: { success: true, data } });
  });

  app.post('/inbound/:channel', raw, signed, async (req: Request, res: Response) => {
    const channel = DM_CHANNELS.find((name) => name === req.params.channel);
    if (!channel) {
      const unknown = new ApiError('SERVER_003', `no inbound route for ${String(req.params.channel)}`);
      send(res, errorResponse(services, unknown, requestIdOf(res)));
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse((req.body as Buffer).toString('utf8'));
    } catch {
      send(
        res,
        errorResponse(services, new ApiError('SERVER_002', 'the body is not JSON'), requestIdOf(res)),
      );
      return;
    }
    const problem = unstorableInput(json);
    if (problem) {
      const refusal =
        problem.kind === 'depth'
          ? new ApiError('SERVER_002', `nested too deeply at ${problem.path || 'body'}`)
          : new ApiError(
              'SERVER_005',
              `${problem.path || 'body'}: text must not contain NUL characters or unpaired surrogates`,
            );
      send(res, errorResponse(services, refusal, requestIdOf(res)));
      return;
    }
    const parsed = InboundDm.safeParse(json);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
      send(res, errorResponse(services, new ApiError('SERVER_005', detail), requestIdOf(res)));
      return;
    }
    const received = await receiveDm(services.db, channel, parsed.data, services.clock());
    const data = received.matched
      ? {
          matched: true,
          conversation_id: received.conversationId,
          message_id: received.messageId,
          duplicate: received.duplicate,
        }
      : { matched: false, reason: received.reason };
    send(res, { status: 200, headers: {}, body: { success: true, data } });
  });
}
