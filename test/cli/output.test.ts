/**
 * Rendering results (JSON, list and object tables) and the progress line shown on a terminal while a
 * request takes more than a moment.
 */
import { describe, expect, it } from 'vitest';
import type { CliOutput } from '../../src/cli/io.ts';
import { type OutputFormat, render as renderFull } from '../../src/cli/output.ts';
import { run } from '../../src/cli/program.ts';
import { withProgress } from '../../src/cli/progress.ts';
import { captureIo, emptyHome } from './support.ts';

const render = (data: unknown, format: OutputFormat) => renderFull(data, format).text;

describe('render', () => {
  it('prints JSON as the data, pretty and unchanged', () => {
    const data = [{ id: 'a', tags: ['x'] }];
    expect(render(data, 'json')).toBe(`${JSON.stringify(data, null, 2)}\n`);
    expect(render(undefined, 'json')).toBe('null\n');
  });

  it('tables a list with a column per scalar (or list-of-scalar) field, skipping nested objects', () => {
    const text = render(
      [
        { id: 'a', n: 1, tags: ['x', 'y'], meta: { deep: true }, gone: null },
        { id: 'b', n: 2, tags: [], meta: {}, extra: true },
      ],
      'table',
    );
    const lines = text.trimEnd().split('\n');
    expect(lines[1]).toMatch(/^│ id │ n │ tags +│ gone │ extra │$/);
    expect(text).toMatch(/│ a +│ 1 │ x, y +│ +│ +│/);
    expect(text).toMatch(/│ b +│ 2 │ +│ +│ true +│/);
    expect(text).not.toContain('deep');
    expect(text).not.toContain('\x1b');
  });

  it('tables an object as field/value rows, shortening long values, and lists of scalars as one column', () => {
    const text = render({ id: 'a', note: 'x'.repeat(150), meta: { k: 1 } }, 'table');
    expect(text).toMatch(/│ field │ value/);
    expect(text).toContain(`${'x'.repeat(99)}…`);
    expect(text).toContain('{"k":1}');
    expect(render(['a', 'b'], 'table')).toMatch(/│ value │\n.*\n│ a +│/s);
    expect(render([], 'table')).toBe('');
    expect(render('plain', 'table')).toBe('plain\n');
  });

  it('drops trailing columns until a list table fits the terminal width, saying which', () => {
    const rows = [{ id: 'aaaaaaaaaa', name: 'bbbbbbbbbb', status: 'cccccccccc', created_at: 'dddddddddd' }];
    const wide = renderFull(rows, 'table');
    expect(wide.hiddenColumns).toEqual([]);
    const narrow = renderFull(rows, 'table', 30);
    expect(narrow.hiddenColumns).toEqual(['status', 'created_at']);
    expect(narrow.text.split('\n')[1]).toMatch(/^│ id +│ name +│$/);
    for (const line of narrow.text.trimEnd().split('\n')) expect(line.length).toBeLessThanOrEqual(30);
    expect(renderFull(rows, 'table', 5).hiddenColumns).toEqual(['name', 'status', 'created_at']);
  });
});

function terminal(isTTY: boolean): CliOutput & { text: () => string } {
  let text = '';
  return { isTTY, write: (chunk: string) => (text += chunk), text: () => text };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('withProgress', () => {
  it('draws a line on a terminal once the work outlasts the delay, updates it, then erases it', async () => {
    const stream = terminal(true);
    const result = await withProgress(
      stream,
      'iris discovery search',
      async (update) => {
        await sleep(40);
        update('discovery job 120/300');
        await sleep(40);
        return 42;
      },
      { delayMs: 20, intervalMs: 10 },
    );
    expect(result).toBe(42);
    expect(stream.text()).toMatch(/^\r\S iris discovery search \d+\.\ds/);
    expect(stream.text()).toContain('s\x1b[K');
    expect(stream.text()).toContain('discovery job 120/300');
    expect(stream.text().endsWith('\r\x1b[K')).toBe(true);
  });

  it('draws nothing for quick work, and nothing at all when stderr is not a terminal', async () => {
    const quick = terminal(true);
    await withProgress(quick, 'quick', async () => 1, { delayMs: 50 });
    expect(quick.text()).toBe('');
    const piped = terminal(false);
    await withProgress(piped, 'slow', () => sleep(60), { delayMs: 10, intervalMs: 10 });
    expect(piped.text()).toBe('');
  });

  it('erases the line when the work fails, and passes the error on', async () => {
    const stream = terminal(true);
    const failing = withProgress(
      stream,
      'x',
      async () => {
        await sleep(30);
        throw new Error('boom');
      },
      { delayMs: 5, intervalMs: 5 },
    );
    await expect(failing).rejects.toThrow('boom');
    expect(stream.text().endsWith('\r\x1b[K')).toBe(true);
  });
});

describe('a table on a terminal', () => {
  it('fits the terminal and names the columns left out on stderr', async () => {
    const captured = captureIo({
      HOME: emptyHome(),
      IRIS_API_KEY: 'is_live_x',
      IRIS_API_URL: 'http://api.test',
    });
    let out = '';
    captured.io.stdout = { isTTY: true, columns: 40, write: (chunk: string) => (out += chunk) };
    captured.io.fetch = async () =>
      Response.json({
        success: true,
        data: [{ id: 'k1', name: 'first key', prefix: 'is_live_abcd', status: 'active' }],
      });
    expect(await run(['--format', 'table', 'keys', 'list'], captured.io)).toBe(0);
    expect(out.split('\n')[1]).toMatch(/^│ id +│ name +│ prefix +│$/);
    expect(captured.stderr()).toBe('columns left out to fit: status (--format json shows all)\n');
  });
});

describe('a command that takes a while', () => {
  it('shows progress on a terminal stderr after about a second, keeping stdout to the result', async () => {
    const captured = captureIo({
      HOME: emptyHome(),
      IRIS_API_KEY: 'is_live_x',
      IRIS_API_URL: 'http://api.test',
    });
    let err = '';
    captured.io.stderr = { isTTY: true, write: (chunk: string) => (err += chunk) };
    captured.io.fetch = async () => {
      await sleep(1_150);
      return Response.json({ success: true, data: { id: 'k' } });
    };
    expect(await run(['keys', 'me'], captured.io)).toBe(0);
    expect(captured.stdout()).toBe('{\n  "id": "k"\n}\n');
    expect(err).toMatch(/^\r\S iris keys me 1\.\ds/);
    expect(err).toContain('s\x1b[K');
    expect(err.endsWith('\r\x1b[K')).toBe(true);
  });
});
