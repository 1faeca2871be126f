/**
 * Timestamps on the wire: ISO 8601 in UTC with milliseconds (`2026-04-29T12:00:00.000Z`).
 */
import { z } from 'zod';

export const Timestamp = z.iso
  .datetime({ precision: 3 })
  .describe('ISO 8601 UTC timestamp with milliseconds');

export function isoOrNull(date: Date | null | undefined): string | null {
  return date ? date.toISOString() : null;
}
