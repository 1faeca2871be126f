/**
 * Writes a pipeline response (status, headers, envelope) to a Node response.
 */
import type { ServerResponse } from 'node:http';
import type { OperationResponse } from '../pipeline/operation-io.ts';

export function send(res: ServerResponse, response: OperationResponse): void {
  res.statusCode = response.status;
  for (const name in response.headers) res.setHeader(name, response.headers[name] as string);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(response.text ?? JSON.stringify(response.body));
}
