/**
 * `POST /internal/jobs/:id`, where QStash delivers jobs (JOBS_DRIVER=qstash). It is no operation of the
 * registry: no API key, the caller proves itself with the `Upstash-Signature` over the exact body and
 * URL, so the raw body is read here and handed over unparsed, and the signature is checked (by the jobs
 * driver) before anything runs. Answered before the express app sees the request; other requests pass.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { publicUrlOf } from '../env.ts';
import { errorFields } from '../logger.ts';
import type { JobDeliveryAnswer, Services } from '../services.ts';

const PATH = /^\/internal\/jobs\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:\?.*)?$/;
/** A delivery's body is a job id and a number. */
const MAX_BODY_BYTES = 16 * 1024;

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function write(res: ServerResponse, answer: JobDeliveryAnswer): void {
  res.writeHead(answer.status, { ...answer.headers, 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(answer.body));
}

/**
 * The route, when the jobs driver takes deliveries: a function that answers a matching request and says
 * so (true), or leaves it (false).
 */
export function internalJobsRoute(
  services: Services,
): ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined {
  const jobs = services.jobs;
  if (!jobs.deliver) return undefined;
  const publicUrl = publicUrlOf(services.env);
  const deliver = async (req: IncomingMessage, res: ServerResponse, id: string) => {
    const started = performance.now();
    try {
      const body = await readBody(req);
      const signature = req.headers['upstash-signature'];
      write(
        res,
        await (jobs.deliver as NonNullable<typeof jobs.deliver>)({
          id,
          signature: Array.isArray(signature) ? signature[0] : signature,
          body,
          url: `${publicUrl}${req.url ?? ''}`,
        }),
      );
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        write(res, { status: 413, headers: { Connection: 'close' }, body: { success: false } });
      } else {
        services.logger.error('job delivery failed', { jobId: id, ...errorFields(error) });
        if (!res.headersSent) write(res, { status: 500, headers: {}, body: { success: false } });
        else res.destroy();
      }
    } finally {
      services.logger.info('request', {
        method: 'POST',
        route: '/internal/jobs/:id',
        status: res.statusCode,
        ms: Math.round((performance.now() - started) * 10) / 10,
      });
    }
  };
  return (req, res) => {
    const match = req.method === 'POST' ? PATH.exec(req.url ?? '') : null;
    if (!match?.[1]) return false;
    void deliver(req, res, match[1]);
    return true;
  };
}
