// Replaces known secret values (passwords, tokens, keys) in any text before it reaches a terminal, a notification
// or a result, including text that arrives in chunks that may split a secret in two.

/** What a scrubbed secret is replaced with. */
export const REDACTED = '***';

/**
 * Secrets shorter than this are not scrubbed: replacing every "ab" in Terraform's output would make it unreadable,
 * and no credential this tool handles is that short (the stack requires 8+ characters for the database password).
 */
export const MIN_SECRET_LENGTH = 4;

export interface SecretScrubber {
  /** Adds values to hide from now on; empty, undefined and too-short values are ignored. */
  add(...values: (string | undefined)[]): void;
  /** The text with every known secret (and its JSON-escaped and URL-encoded forms) replaced by REDACTED. */
  scrub(text: string): string;
  /** True when the text contains a known secret in any of its forms. */
  reveals(text: string): boolean;
  /** The forms searched for, longest first (for the streaming scrubber; never print them). */
  forms(): readonly string[];
}

/** The forms in which a secret can show up in tool output: as is, escaped inside JSON, and percent-encoded in a URL. */
function formsOf(secret: string): string[] {
  const forms = new Set<string>([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)]);
  return [...forms].filter((form) => form.length >= MIN_SECRET_LENGTH);
}

export function createSecretScrubber(initial: Iterable<string | undefined> = []): SecretScrubber {
  let sorted: string[] = [];
  const known = new Set<string>();
  const add = (...values: (string | undefined)[]): void => {
    let changed = false;
    for (const value of values) {
      if (value === undefined || value.length < MIN_SECRET_LENGTH) continue;
      for (const form of formsOf(value)) {
        if (!known.has(form)) {
          known.add(form);
          changed = true;
        }
      }
    }
    // Longest first, so a secret that contains another one is replaced whole.
    if (changed) sorted = [...known].sort((a, b) => b.length - a.length);
  };
  add(...initial);
  return {
    add,
    scrub(text: string): string {
      let out = text;
      for (const form of sorted) if (out.includes(form)) out = out.split(form).join(REDACTED);
      return out;
    },
    reveals(text: string): boolean {
      return sorted.some((form) => text.includes(form));
    },
    forms: () => sorted,
  };
}

export interface ScrubbingWriter {
  /** Takes the next chunk of output; writes what is certainly safe and holds back a possible start of a secret. */
  write(chunk: string): void;
  /** Writes whatever is held back (scrubbed); call when the stream ends. */
  flush(): void;
}

/**
 * Wraps a writer so that streamed output never shows a secret, even one split across two chunks: after scrubbing,
 * the longest tail that could be the beginning of a secret is held back until the next chunk (or flush) decides.
 */
export function scrubbingWriter(scrubber: SecretScrubber, write: (text: string) => void): ScrubbingWriter {
  let pending = '';
  return {
    write(chunk: string): void {
      const text = scrubber.scrub(pending + chunk);
      const hold = longestSecretPrefixAtEnd(text, scrubber.forms());
      pending = text.slice(text.length - hold);
      const ready = text.slice(0, text.length - hold);
      if (ready) write(ready);
    },
    flush(): void {
      const text = scrubber.scrub(pending);
      pending = '';
      if (text) write(text);
    },
  };
}

/** Length of the longest suffix of text that is a proper prefix of one of the forms. */
function longestSecretPrefixAtEnd(text: string, forms: readonly string[]): number {
  let best = 0;
  for (const form of forms) {
    const max = Math.min(form.length - 1, text.length);
    for (let n = max; n > best; n--) {
      if (text.endsWith(form.slice(0, n))) {
        best = n;
        break;
      }
    }
  }
  return best;
}

/** Environment variable names whose values are secrets (passwords, tokens, secret or private keys); `*_FILE` names hold paths. */
export function isSecretName(name: string): boolean {
  if (/_FILE$/i.test(name)) return false;
  return /(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_KEY|ACCESS_KEY|API_KEY|CREDENTIALS)/i.test(name);
}
