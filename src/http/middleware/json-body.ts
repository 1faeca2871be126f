/**
 * Reads a JSON request body with a size limit, straight from the socket: no body-parser layers, since
 * every write operation pays for it. Failures are ApiErrors (400 SERVER_002, 413 SERVER_011), so they
 * render as the iris envelope.
 */
import type { IncomingMessage } from 'node:http';
import { ApiError } from '../../errors/api-error.ts';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** Resolves the parsed body, or undefined when there is none (or it is not declared as JSON). */
export function readJsonBody(req: IncomingMessage, limitBytes: number): Promise<unknown> {
  const type = req.headers['content-type'];
  const length = req.headers['content-length'];
  if (!type || !JSON_TYPE.test(type) || length === '0') {
    req.resume();
    return Promise.resolve(undefined);
  }
  const charset = /;\s*charset=["']?([^"';\s]+)/i.exec(type)?.[1]?.toLowerCase();
  if (charset && charset !== 'utf-8' && charset !== 'utf8') {
    req.resume();
    return Promise.reject(new ApiError('SERVER_002', `unsupported charset ${charset}: send UTF-8 JSON`));
  }
  const encoding = req.headers['content-encoding'];
  if (encoding && encoding !== 'identity') {
    req.resume();
    return Promise.reject(
      new ApiError('SERVER_002', `unsupported Content-Encoding ${encoding}: send plain JSON`),
    );
  }
  if (length !== undefined && Number(length) > limitBytes) {
    req.resume();
    return Promise.reject(new ApiError('SERVER_011'));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limitBytes) {
        failed = true;
        reject(new ApiError('SERVER_011'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (failed) return;
      if (size === 0) {
        resolve(undefined);
        return;
      }
      try {
        resolve(
          JSON.parse(
            chunks.length === 1
              ? (chunks[0] as Buffer).toString('utf8')
              : Buffer.concat(chunks).toString('utf8'),
          ),
        );
      } catch {
        reject(new ApiError('SERVER_002', 'malformed JSON in request body'));
      }
    });
    req.on('error', () => {
      if (failed) return;
      failed = true;
      reject(new ApiError('SERVER_002', 'incomplete request body'));
    });
  });
}
