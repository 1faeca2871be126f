/**
 * Whether an inbound email is an automatic answer (out of office, vacation notice, autoresponder) rather
 * than a person's reply. Automatic answers are stored in the conversation but do not stop a sequence's
 * follow-ups. The signals, strongest first: RFC 3834 `Auto-Submitted` other than `no`; the de facto
 * `X-Autoreply` / `X-Autorespond` / `X-Auto-Response-Suppress` headers and `Precedence: auto_reply`
 * (or bulk/junk); then the subject lines mail clients write for them.
 */

const AUTO_SUBJECT =
  /^\s*(auto(matic)?[\s-]*(reply|response|antwort)|out of (the )?office|abwesenheitsnotiz|r[ée]ponse automatique|away from (the )?office|on vacation|vacation reply)\b|^\s*auto:/i;

/** `headers`: lower-cased names to their values, as mailparser gives them. */
export function isAutoReply(headers: ReadonlyMap<string, unknown>, subject: string | undefined): boolean {
  const text = (name: string) => {
    const value = headers.get(name);
    return typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  };
  const autoSubmitted = text('auto-submitted');
  if (autoSubmitted !== undefined && autoSubmitted !== 'no') return true;
  if (headers.has('x-autoreply') || headers.has('x-autorespond')) return true;
  const suppress = text('x-auto-response-suppress');
  if (suppress !== undefined && /\b(all|oof|autoreply)\b/.test(suppress)) return true;
  const precedence = text('precedence');
  if (precedence === 'auto_reply' || precedence === 'bulk' || precedence === 'junk') return true;
  return subject !== undefined && AUTO_SUBJECT.test(subject);
}
