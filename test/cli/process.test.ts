/**
 * The CLI as a real process, the way people and agents run it (`iris`, `npm run iris --`): exit codes,
 * stdout holding only the result, errors on stderr, and the config file.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { api } from '../helpers/api.ts';
import { runToEnd } from '../helpers/spawn-server.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { type CliResult, emptyHome, json, spawnCli } from './support.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

let server: TestServer;
let env: Record<string, string>;

beforeAll(async () => {
  server = await startTestServer();
  env = { HOME: emptyHome(), IRIS_API_URL: server.url, IRIS_API_KEY: server.adminKey };
});
afterAll(() => server.close());
beforeEach(() => server.advance(61_000));

function npmRunIris(args: string[]): Promise<CliResult> {
  const child = spawn('npm', ['run', '--silent', 'iris', '--', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('iris as a process', () => {
  it('bin/iris.js prints keys me as JSON and exits 0', async () => {
    const result = await runToEnd('bin/iris.js', ['keys', 'me'], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    const rest = await api(server.url, 'GET', '/keys/me', { key: server.adminKey });
    expect(json(result)).toEqual(rest.body.data);
  });

  it('npm run iris -- creates a campaign with the reference example', async () => {
    const result = await npmRunIris([
      'campaigns',
      'create',
      '--name',
      'Q2 outreach',
      '--objective',
      'product_promotion',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(json(result)).toMatchObject({
      name: 'Q2 outreach',
      objective_type: 'product_promotion',
      status: 'draft',
    });
  });

  it('exits 1 on an API error with the code on stderr and nothing on stdout', async () => {
    const result = await spawnCli(['campaigns', 'get', 'nope'], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: CAMP_001 campaign not found \(request req_\S+\)\n$/);
  });

  it('exits 2 on a usage error', async () => {
    const result = await spawnCli(['campaigns', 'create', '--name', 'x'], env);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain("missing required option '--objective-type <value>'");
  });

  it('reads the API key and URL from the config file, and prints a table with --format table', async () => {
    const home = emptyHome();
    mkdirSync(join(home, '.config', 'iris'), { recursive: true });
    writeFileSync(
      join(home, '.config', 'iris', 'config.json'),
      JSON.stringify({ api_key: server.adminKey, api_url: server.url }),
    );
    const result = await spawnCli(['--format', 'table', 'campaigns', 'list'], { HOME: home });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/│ id +│ name +│ objective_type/);
    expect(result.stdout).toContain('Q2 outreach');
  });
});
