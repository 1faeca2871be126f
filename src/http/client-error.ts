/**
 * Requests Node's HTTP parser refuses before iris sees them (headers over its 16 KB limit, a malformed
 * request line): answered with the error envelope like every other refusal, then the connection closed.
 */
import type { Duplex } from 'node:stream';
import { newRequestId } from './middleware/request-id.ts';

export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (!socket.writable || (error as { code?: string }).code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
  const requestId = newRequestId();
  const body = JSON.stringify({
    success: false,
    error: {
      code: 'SERVER_002',
      message: tooLarge
        ? 'the request line and headers are larger than 16 KB; send long values in a JSON body'
        : 'the HTTP request is malformed',
      requestId,
    },
  });
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Request-ID: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
  );
}
