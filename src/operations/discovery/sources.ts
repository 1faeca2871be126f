import { z } from 'zod';
import { DISCOVERY_SOURCES } from '../../integrations/discovery/discovery-port.ts';
import { defineOperation } from '../define-operation.ts';

const SourceView = z.object({
  id: z.enum(DISCOVERY_SOURCES),
  name: z.string(),
  description: z.string(),
  available: z.boolean().describe('configured on this server and usable now'),
});

export const discoverySources = defineOperation({
  id: 'discovery.sources',
  method: 'GET',
  path: '/discovery/sources',
  summary:
    'list the discovery sources (Google Maps, Instagram, X, the built-in sample) and which are available',
  scope: 'read',
  input: z.object({}),
  output: z.array(SourceView),
  handler: async (ctx) => ({
    data: ctx.services.discovery.sources().map(({ id, name, description, available }) => ({
      id,
      name,
      description,
      available,
    })),
  }),
});
