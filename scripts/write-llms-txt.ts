/**
 * `npm run llms`: regenerates the committed llms.txt at the repository root from the registry and the
 * payment rails this server knows.
 */
import { writeFileSync } from 'node:fs';
import { RAILS } from '../payments/rails.ts';
import { llmsTxt } from '../src/http/llms-txt.ts';
import { operations } from '../src/operations/registry.ts';

const target = new URL('../llms.txt', import.meta.url);
writeFileSync(
  target,
  llmsTxt(
    operations,
    RAILS.map((rail) => rail.wire),
  ),
);
process.stdout.write(`wrote ${target.pathname}\n`);
