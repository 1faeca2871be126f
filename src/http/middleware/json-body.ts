/**
 * JSON body parsing with a size limit. Parse failures become the iris envelope (400 SERVER_002,
 * 413 SERVER_011) instead of express's HTML error page.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { ApiError } from '../../errors/api-error.ts';

export function jsonBody(limitBytes: number) {
  return express.json({ limit: limitBytes, strict: false, type: ['application/json', 'application/*+json'] });
}

interface BodyParserError {
  type?: string;
  status?: number;
}

/** Maps body-parser errors to ApiError; anything else passes on. */
export function bodyErrorToApiError(error: unknown): ApiError | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const { type } = error as BodyParserError;
  if (type === 'entity.parse.failed') return new ApiError('SERVER_002', 'malformed JSON in request body');
  if (type === 'entity.too.large') return new ApiError('SERVER_011');
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new ApiError('SERVER_002', 'unsupported body encoding: send UTF-8 JSON');
  }
  if (type === 'request.aborted' || type === 'request.size.invalid') {
    return new ApiError('SERVER_002', 'incomplete request body');
  }
  return undefined;
}

export type { NextFunction, Request, Response };
