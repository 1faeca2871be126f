/**
 * `npm run llms`: regenerates the committed llms.txt at the repository root from the registry.
 */
import { writeFileSync } from 'node:fs';
import { operations } from '../operations/registry.ts';
import { llmsTxt } from './llms-txt.ts';

const target = new URL('../../llms.txt', import.meta.url);
writeFileSync(target, llmsTxt(operations));
process.stdout.write(`wrote ${target.pathname}\n`);
