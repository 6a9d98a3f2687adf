// Decides whether a .gitignore keeps a file out of git, and adds the entry when it does not, so a .env holding a
// password is never committed by accident.

/** Translates one gitignore glob (*, ?, no character classes) into a regular expression over a file name. */
function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

/**
 * True when a line of the .gitignore ignores `fileName` sitting next to it (e.g. `.env`, `/.env`, `*.env`, `.env*`),
 * and no later `!` line re-includes it. Patterns with a slash in the middle are not considered.
 */
export function gitignoreCovers(text: string | undefined, fileName: string): boolean {
  let ignored = false;
  for (const raw of (text ?? '').split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    const pattern = (negated ? line.slice(1) : line).replace(/^\//, '');
    if (pattern.includes('/') || !globToRegExp(pattern).test(fileName)) continue;
    ignored = !negated;
  }
  return ignored;
}

/** The .gitignore text with `/fileName` appended (after a comment saying why), or unchanged when already covered. */
export function ensureGitignored(text: string | undefined, fileName: string, reason: string): { text: string; changed: boolean } {
  if (gitignoreCovers(text, fileName)) return { text: text ?? '', changed: false };
  const source = text ?? '';
  const eol = source.includes('\r\n') ? '\r\n' : '\n';
  const separator = source === '' || source.endsWith('\n') ? '' : eol;
  return { text: `${source}${separator}# ${reason}${eol}/${fileName}${eol}`, changed: true };
}
