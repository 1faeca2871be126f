/**
 * Base64 (standard or url-safe) of a JSON object, the form payment headers carry (PAYMENT-REQUIRED,
 * PAYMENT-RESPONSE, Payment-Receipt).
 */

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The object a header holds; undefined when it holds none. */
export function decodeBase64Json(value: string | undefined): Record<string, unknown> | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  try {
    const decoded: unknown = JSON.parse(Buffer.from(value.trim(), 'base64').toString('utf8'));
    return isJsonObject(decoded) ? decoded : undefined;
  } catch {
    return undefined;
  }
}

export function encodeBase64Json(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
}
