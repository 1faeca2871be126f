/**
 * The import graph of the production code (src, payments, mcp, db), read by madge with type-only and
 * dynamic imports counted: no circle, and dependencies pointing one way, db ← src ← payments, mcp. Only
 * the composition roots (src/compose.ts, and the stdio MCP binary's entry point mcp/stdio.ts, which
 * registers the payment rails' wire formats) and the HTTP app that mounts /mcp (src/http/app.ts) import
 * upward or across.
 */
import madge from 'madge';
import { beforeAll, describe, expect, it } from 'vitest';

const LAYERS = ['db', 'src', 'payments', 'mcp'] as const;
/** Files allowed to import layers above or beside theirs, and which. */
const UPWARD: Record<string, readonly string[]> = {
  'src/compose.ts': ['payments'],
  'src/http/app.ts': ['mcp'],
  'mcp/stdio.ts': ['payments'],
};

let graph: Record<string, string[]>;
let circles: string[][];

beforeAll(async () => {
  const result = await madge([...LAYERS], {
    baseDir: new URL('../../', import.meta.url).pathname,
    fileExtensions: ['ts'],
    excludeRegExp: [/\.test\.ts$/],
    detectiveOptions: {
      ts: { skipTypeImports: false, skipAsyncImports: false },
      tsx: { skipTypeImports: false, skipAsyncImports: false },
    },
  });
  graph = result.obj();
  circles = result.circular();
}, 60_000);

const layerOf = (file: string) => file.split('/')[0] as string;

describe('import graph', () => {
  it('reads the whole production tree', () => {
    const files = Object.keys(graph);
    expect(files).toContain('src/main.ts');
    expect(files).toContain('payments/gateway/gateway.ts');
    expect(files).toContain('mcp/mcp-server.ts');
    expect(files.length).toBeGreaterThan(100);
    // Type-only imports are edges too (the service container is imported as a type almost everywhere).
    expect(graph['src/operations/define-operation.ts']).toContain('src/services.ts');
  });

  it('has no import circle', () => {
    expect(circles).toEqual([]);
  });

  it('points one way: db ← src ← payments, mcp, except where the composition root wires them', () => {
    const wrong: string[] = [];
    for (const [file, imports] of Object.entries(graph)) {
      const from = layerOf(file);
      for (const target of imports) {
        const to = layerOf(target);
        if (!LAYERS.includes(to as (typeof LAYERS)[number]) || to === from) continue;
        const upward =
          from === 'db' ||
          (from === 'src' && to !== 'db') ||
          ((from === 'payments' || from === 'mcp') && to !== 'db' && to !== 'src');
        if (upward && !UPWARD[file]?.includes(to)) wrong.push(`${file} → ${target}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
