/**
 * Writes a pipeline response (status, headers, envelope) to express.
 */
import type { Response } from 'express';
import type { OperationResponse } from '../pipeline/execute-operation.ts';

export function send(res: Response, response: OperationResponse): void {
  res.status(response.status);
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(response.body));
}
