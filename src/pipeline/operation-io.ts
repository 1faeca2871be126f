/**
 * An operation call as every transport hands it to the pipeline, and the answer it gets back: plain data,
 * no transport types. Nothing here imports the rest of src, so the service container's ports can name it.
 */

/** Path parameters, query and body as received, before validation. */
export interface RawInput {
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
}

export interface OperationRequest extends RawInput {
  requestId: string;
  ip: string;
  /** Header lookup by lower-case name. */
  header: (name: string) => string | undefined;
  /** Told who the caller turned out to be (`key:<id>`, `agent:<id>`, `ip:<address>`), for the request log. */
  onAuthenticated?: (principal: string) => void;
}

/** A response as stored for idempotent replays. */
export interface StoredResponse {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

/** `text`, when set, is `body` already serialized (what the HTTP transport sends). */
export type OperationResponse = StoredResponse & { text?: string };
