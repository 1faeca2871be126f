/**
 * A local stand-in for the Instagram Graph API and the X API for the reliability suites: it refuses
 * every token the way each platform does (Graph: 400 with error code 190; X: 401), so channels.connect
 * is answered from loopback and never reaches the internet.
 */
import { startUpstream, type Upstream } from '../channels/upstream.ts';

export async function startRefusingDmApis(): Promise<{
  env: Record<string, string>;
  close: () => Promise<void>;
}> {
  const upstream: Upstream = await startUpstream((request) =>
    request.path.startsWith('/2/')
      ? { status: 401, body: { title: 'Unauthorized', status: 401, detail: 'Unauthorized' } }
      : {
          status: 400,
          body: { error: { message: 'Invalid OAuth access token', type: 'OAuthException', code: 190 } },
        },
  );
  return {
    env: { INSTAGRAM_API_BASE_URL: upstream.url, X_API_BASE_URL: upstream.url },
    close: () => upstream.close(),
  };
}
