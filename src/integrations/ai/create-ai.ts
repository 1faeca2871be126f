/**
 * The server's AI adapter: Anthropic when ANTHROPIC_API_KEY is set, else the deterministic offline AI. The
 * Anthropic module (and the SDK it loads) is imported only then, so a server without it does not load it.
 */
import type { Env } from '../../env.ts';
import type { AiPort } from './ai-port.ts';
import type { AnthropicAiOptions } from './anthropic-ai.ts';
import { createOfflineAi } from './offline-analyzer.ts';

export async function createAi(
  env: Pick<Env, 'ANTHROPIC_API_KEY' | 'ANTHROPIC_BASE_URL' | 'ANTHROPIC_MODEL'>,
  anthropic: Partial<AnthropicAiOptions> = {},
): Promise<AiPort> {
  if (!env.ANTHROPIC_API_KEY) return createOfflineAi();
  const { createAnthropicAi } = await import('./anthropic-ai.ts');
  return createAnthropicAi({
    apiKey: env.ANTHROPIC_API_KEY,
    baseURL: env.ANTHROPIC_BASE_URL,
    model: env.ANTHROPIC_MODEL,
    ...anthropic,
  });
}
