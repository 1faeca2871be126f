/**
 * Where the CLI takes its API key and URL from: flag over environment over config file (IRIS_CONFIG or
 * ~/.config/iris/config.json), checked on the request the CLI actually sends.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configPath, resolveConnection } from '../../src/cli/config.ts';
import { UsageError } from '../../src/cli/io.ts';
import { run } from '../../src/cli/program.ts';
import { captureIo, emptyHome } from './support.ts';

function homeWithConfig(config: unknown): string {
  const home = emptyHome();
  mkdirSync(join(home, '.config', 'iris'), { recursive: true });
  writeFileSync(
    join(home, '.config', 'iris', 'config.json'),
    typeof config === 'string' ? config : JSON.stringify(config),
  );
  return home;
}

/** Runs `iris keys me` against a fake API and returns the URL and key it called with. */
async function sent(args: string[], env: Record<string, string | undefined>) {
  const calls: { url: string; authorization: string | null }[] = [];
  const captured = captureIo(env);
  captured.io.fetch = async (url, init) => {
    calls.push({ url: String(url), authorization: new Headers(init?.headers).get('authorization') });
    return Response.json({ success: true, data: { id: 'k' } });
  };
  const code = await run([...args, 'keys', 'me'], captured.io);
  return { code, call: calls[0], stderr: captured.stderr() };
}

const FILE = { api_key: 'is_live_file', api_url: 'http://file.example' };

describe('configuration precedence', () => {
  it('uses the config file in ~/.config/iris when nothing else is set', async () => {
    const result = await sent([], { HOME: homeWithConfig(FILE) });
    expect(result.code, result.stderr).toBe(0);
    expect(result.call).toEqual({ url: 'http://file.example/keys/me', authorization: 'Bearer is_live_file' });
  });

  it('prefers the environment over the file, and flags over both, field by field', async () => {
    const home = homeWithConfig(FILE);
    const envKey = await sent([], { HOME: home, IRIS_API_KEY: 'is_live_env' });
    expect(envKey.call).toEqual({ url: 'http://file.example/keys/me', authorization: 'Bearer is_live_env' });
    const envBoth = await sent([], {
      HOME: home,
      IRIS_API_KEY: 'is_live_env',
      IRIS_API_URL: 'http://env.example/',
    });
    expect(envBoth.call).toEqual({ url: 'http://env.example/keys/me', authorization: 'Bearer is_live_env' });
    const flags = await sent(['--api-key', 'is_live_flag', '--api-url', 'http://flag.example'], {
      HOME: home,
      IRIS_API_KEY: 'is_live_env',
      IRIS_API_URL: 'http://env.example',
    });
    expect(flags.call).toEqual({ url: 'http://flag.example/keys/me', authorization: 'Bearer is_live_flag' });
  });

  it('reads the file named by IRIS_CONFIG instead, and defaults the URL to the public API', async () => {
    const other = join(homeWithConfig({ api_key: 'is_live_other' }), '.config', 'iris', 'config.json');
    const result = await sent([], { HOME: homeWithConfig(FILE), IRIS_CONFIG: other });
    expect(result.call).toEqual({
      url: 'https://api.iris-ai.dev/keys/me',
      authorization: 'Bearer is_live_other',
    });
  });

  it('treats empty environment values as unset', async () => {
    const result = await sent([], { HOME: homeWithConfig(FILE), IRIS_API_KEY: '', IRIS_API_URL: ' ' });
    expect(result.call).toEqual({ url: 'http://file.example/keys/me', authorization: 'Bearer is_live_file' });
  });

  it('finds the file under XDG_CONFIG_HOME when set', () => {
    expect(configPath({ HOME: '/home/a', XDG_CONFIG_HOME: '/xdg' })).toBe('/xdg/iris/config.json');
    expect(configPath({ HOME: '/home/a' })).toBe('/home/a/.config/iris/config.json');
  });

  it('refuses a broken config file, a missing IRIS_CONFIG file and non-string fields (exit 2)', async () => {
    const broken = await sent([], { HOME: homeWithConfig('{"api_key": ') });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/^error: config file .*config\.json is not valid JSON/);
    expect(() => resolveConnection({}, { IRIS_CONFIG: '/nonexistent/iris.json' })).toThrow(
      new UsageError('config file not found: /nonexistent/iris.json (from IRIS_CONFIG)'),
    );
    expect(() => resolveConnection({}, { HOME: homeWithConfig({ api_key: 42 }) })).toThrow(
      'api_key must be a string',
    );
    expect(() => resolveConnection({}, { HOME: homeWithConfig([1]) })).toThrow('must be a JSON object');
  });

  it('does not read the file when flags and environment already say everything', () => {
    const connection = resolveConnection(
      { apiKey: 'is_live_flag' },
      { HOME: homeWithConfig('not json'), IRIS_API_URL: 'http://env.example' },
    );
    expect(connection).toEqual({ apiKey: 'is_live_flag', apiUrl: 'http://env.example' });
  });
});
