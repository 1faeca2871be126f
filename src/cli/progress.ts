/**
 * A progress line on stderr for requests that take a while (over ~1 s), drawn only when stderr is a
 * terminal so pipes and captured output stay clean. Long-running commands (discovery jobs) update its text.
 */
import type { CliOutput } from './io.ts';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface ProgressOptions {
  /** How long the work runs before the line appears. */
  delayMs?: number;
  intervalMs?: number;
  now?: () => number;
}

/** Runs `work`; `update` replaces the label (e.g. `discovery job 120/300`). The line is erased at the end. */
export async function withProgress<T>(
  stream: CliOutput,
  label: string,
  work: (update: (label: string) => void) => Promise<T>,
  options: ProgressOptions = {},
): Promise<T> {
  let text = label;
  const update = (next: string) => {
    text = next;
  };
  if (!stream.isTTY) return work(update);
  const now = options.now ?? Date.now;
  const started = now();
  let frame = 0;
  let drawn = false;
  let interval: ReturnType<typeof setInterval> | undefined;
  const draw = () => {
    const seconds = ((now() - started) / 1000).toFixed(1);
    stream.write(`\r${FRAMES[frame++ % FRAMES.length]} ${text} ${seconds}s\x1b[K`);
    drawn = true;
  };
  const timer = setTimeout(() => {
    draw();
    interval = setInterval(draw, options.intervalMs ?? 100);
  }, options.delayMs ?? 1000);
  try {
    return await work(update);
  } finally {
    clearTimeout(timer);
    if (interval) clearInterval(interval);
    if (drawn) stream.write('\r\x1b[K');
  }
}
