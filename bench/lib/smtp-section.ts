/**
 * The smtp section: messages sent per second through the SMTP adapter (src/integrations/channels/
 * smtp-channel.ts, as SMTP_URL configures it: pooled connections) to a local SMTP server in a child
 * process (bench/servers/smtp-sink-server.ts), BENCH_SMTP_CONCURRENCY sends in flight (default 4, the
 * local worker's default concurrency). Baseline, measured in the same run and alternating with it: the
 * same adapter with `?pool=false` on the URL (a new SMTP connection per message). Every send resolves on
 * the server's 250 after DATA; the sink's count of accepted mails is checked against the sends.
 */
import { z } from 'zod';
import { createSmtpChannel } from '../../src/integrations/channels/smtp-channel.ts';
import { type ChildServer, startChild } from './child-server.ts';
import { fixed, formatTable } from './table.ts';

/** Messages per second the pooled adapter should send to a local SMTP server. */
export const SMTP_TARGET_PER_S = 200;
const WARMUP_MESSAGES = 100;
/** Each case runs in this many alternating slices. */
const SLICES = 3;

const SinkReady = z.object({ url: z.string().startsWith('smtp://'), countUrl: z.url() });
const SinkCount = z.object({ accepted: z.number().int() });

export interface SmtpSection {
  setup: string[];
  tables: string[];
  failures: string[];
}

function integerFromEnv(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? String(fallback));
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be an integer ≥ 1`);
  return value;
}

/** Sends `count` messages with `concurrency` in flight; answers the seconds it took. */
async function sendMany(smtpUrl: string, count: number, concurrency: number, tag: string): Promise<number> {
  const channel = createSmtpChannel(smtpUrl, 'Iris Bench <bench@iris.example.com>');
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      await channel.send({
        channel: 'email',
        to: `contact.${i}@bench.example.com`,
        subject: 'Hello from the bench',
        text: 'A message body of a realistic length, about two sentences of outreach text.\n',
        messageId: `<${tag}.${i}@iris.example.com>`,
        unsubscribeUrl: `https://iris.example.com/unsubscribe/${tag}.${i}`,
      });
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
    return (performance.now() - started) / 1000;
  } finally {
    channel.close();
  }
}

async function accepted(countUrl: string): Promise<number> {
  const response = await fetch(countUrl);
  return SinkCount.parse(await response.json()).accepted;
}

/** Runs the section; what it starts is registered in `cleanups` (the caller stops it all). */
export async function runSmtpSection(
  cleanups: (() => Promise<void>)[],
  log: (message: string) => void,
): Promise<SmtpSection> {
  const count = integerFromEnv('BENCH_SMTP_MESSAGES', 3000);
  const concurrency = integerFromEnv('BENCH_SMTP_CONCURRENCY', 4);
  const sink: ChildServer<z.infer<typeof SinkReady>> = await startChild(
    'smtp-sink-server',
    'smtp-sink-server.ts',
    SinkReady,
    {},
  );
  cleanups.push(sink.stop);
  const pooledUrl = sink.ready.url;
  const unpooledUrl = `${sink.ready.url}?pool=false`;
  log(`smtp: ${WARMUP_MESSAGES} unmeasured sends per case, then ${count} measured in ${SLICES} slices`);
  await sendMany(pooledUrl, WARMUP_MESSAGES, concurrency, 'warm-pooled');
  await sendMany(unpooledUrl, WARMUP_MESSAGES, concurrency, 'warm-unpooled');
  const perSlice = Math.ceil(count / SLICES);
  let pooledSeconds = 0;
  let unpooledSeconds = 0;
  for (let slice = 0; slice < SLICES; slice++) {
    pooledSeconds += await sendMany(pooledUrl, perSlice, concurrency, `pooled-${slice}`);
    unpooledSeconds += await sendMany(unpooledUrl, perSlice, concurrency, `unpooled-${slice}`);
  }
  const sent = 2 * (WARMUP_MESSAGES + SLICES * perSlice);
  const received = await accepted(sink.ready.countUrl);
  const pooledRate = (SLICES * perSlice) / pooledSeconds;
  const unpooledRate = (SLICES * perSlice) / unpooledSeconds;
  const table = formatTable(
    [
      { title: 'smtp adapter → local SMTP server', align: 'left' },
      { title: 'sent/s', align: 'right' },
      { title: 'ratio', align: 'right' },
      { title: 'target/s', align: 'right' },
      { title: '', align: 'left' },
      { title: 'messages', align: 'right' },
    ],
    [
      [
        `SMTP_URL as configured (pooled), ${concurrency} in flight`,
        fixed(pooledRate, 0),
        `${fixed(pooledRate / unpooledRate, 1)}×`,
        `≥ ${SMTP_TARGET_PER_S}`,
        pooledRate >= SMTP_TARGET_PER_S ? 'ok' : 'under target',
        String(SLICES * perSlice),
      ],
      [
        `baseline: ?pool=false (a connection per message), ${concurrency} in flight`,
        fixed(unpooledRate, 0),
        '1.0×',
        '',
        '',
        String(SLICES * perSlice),
      ],
    ],
  );
  return {
    setup: [
      `smtp: createSmtpChannel() of src/integrations/channels/smtp-channel.ts sending to an smtp-server child ` +
        `on 127.0.0.1 (no TLS, no auth), one plain-text mail with List-Unsubscribe per send, ${concurrency} ` +
        `sends in flight; ${WARMUP_MESSAGES} unmeasured per case, then ${SLICES} alternating slices of ` +
        `${perSlice}; ratio = pooled / unpooled`,
    ],
    tables: [table],
    failures: received === sent ? [] : [`smtp: the server accepted ${received} mails of ${sent} sent`],
  };
}
