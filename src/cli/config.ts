/**
 * Where the CLI finds its API key and URL: `--api-key`/`--api-url`, then IRIS_API_KEY/IRIS_API_URL, then
 * the config file (IRIS_CONFIG, else ~/.config/iris/config.json with {"api_key", "api_url"}).
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_API_URL } from '../client/rest-client.ts';
import { UsageError } from './io.ts';

export interface Connection {
  apiUrl: string;
  apiKey?: string;
}

interface ConfigFile {
  api_key?: string;
  api_url?: string;
}

type Env = Record<string, string | undefined>;

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

export function configPath(env: Env): string {
  const explicit = nonEmpty(env.IRIS_CONFIG);
  if (explicit) return explicit;
  const base = nonEmpty(env.XDG_CONFIG_HOME) ?? join(nonEmpty(env.HOME) ?? homedir(), '.config');
  return join(base, 'iris', 'config.json');
}

/** The config file's settings; a missing default file is no settings, a missing IRIS_CONFIG file an error. */
export function readConfigFile(env: Env): ConfigFile {
  const path = configPath(env);
  if (!existsSync(path)) {
    if (nonEmpty(env.IRIS_CONFIG)) throw new UsageError(`config file not found: ${path} (from IRIS_CONFIG)`);
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(
      `config file ${path} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new UsageError(`config file ${path} must be a JSON object like {"api_key": "is_live_…"}`);
  const config: ConfigFile = {};
  for (const name of ['api_key', 'api_url'] as const) {
    const value = (parsed as Record<string, unknown>)[name];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw new UsageError(`config file ${path}: ${name} must be a string`);
    config[name] = value;
  }
  return config;
}

/** Flag over environment over config file; the file is read only when something is still missing. */
export function resolveConnection(flags: { apiKey?: string; apiUrl?: string }, env: Env): Connection {
  let apiKey = nonEmpty(flags.apiKey) ?? nonEmpty(env.IRIS_API_KEY);
  let apiUrl = nonEmpty(flags.apiUrl) ?? nonEmpty(env.IRIS_API_URL);
  if (!apiKey || !apiUrl) {
    const file = readConfigFile(env);
    apiKey ??= nonEmpty(file.api_key);
    apiUrl ??= nonEmpty(file.api_url);
  }
  apiUrl ??= DEFAULT_API_URL;
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch {
    throw new UsageError(`API URL is not a URL: ${apiUrl}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`API URL must be http(s): ${apiUrl}`);
  return { apiUrl, ...(apiKey ? { apiKey } : {}) };
}
