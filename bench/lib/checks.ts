/**
 * Correctness checks before any load: both servers answer 2xx with comparable bodies (identical bytes for
 * /keys/me, the same JSON shape and page size for /campaigns), so the ratios compare like with like.
 */

export interface Fetched {
  status: number;
  text: string;
  bytes: number;
}

export async function get(baseUrl: string, path: string, key: string): Promise<Fetched> {
  const response = await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${key}` } });
  const text = await response.text();
  return { status: response.status, text, bytes: Buffer.byteLength(text) };
}

export function expectOk(label: string, fetched: Fetched): void {
  if (fetched.status < 200 || fetched.status > 299) {
    throw new Error(`${label}: expected 2xx, got ${fetched.status}: ${fetched.text.slice(0, 300)}`);
  }
}

/** The JSON structure with leaves replaced by their type, array items merged, keys sorted. */
export function shapeOf(value: unknown): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    const shapes = [...new Set(value.map((item) => JSON.stringify(shapeOf(item))))];
    return shapes.map((s) => JSON.parse(s) as unknown);
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return Object.fromEntries(entries.map(([k, v]) => [k, shapeOf(v)]));
  }
  return typeof value;
}

function dataLength(text: string): number {
  const body = JSON.parse(text) as { data?: unknown };
  return Array.isArray(body.data) ? body.data.length : -1;
}

export function expectSameBytes(label: string, iris: Fetched, baseline: Fetched): void {
  if (iris.text !== baseline.text) {
    throw new Error(
      `${label}: baseline body differs from iris body\n  iris:     ${iris.text}\n  baseline: ${baseline.text}`,
    );
  }
}

export function expectSameShape(label: string, iris: Fetched, baseline: Fetched, items: number): void {
  const irisShape = JSON.stringify(shapeOf(JSON.parse(iris.text)));
  const baselineShape = JSON.stringify(shapeOf(JSON.parse(baseline.text)));
  if (irisShape !== baselineShape) {
    throw new Error(`${label}: JSON shapes differ\n  iris:     ${irisShape}\n  baseline: ${baselineShape}`);
  }
  for (const [who, fetched] of [
    ['iris', iris],
    ['baseline', baseline],
  ] as const) {
    const n = dataLength(fetched.text);
    if (n !== items) throw new Error(`${label}: ${who} returned ${n} items, expected ${items}`);
  }
}
