// Errors the warehouse layer hands to people: a failed connection as one line (never a stack trace, never a password),
// and a SQL error from PostgreSQL or PGlite flattened to one readable line.

export type ConnectionFailure = 'refused' | 'dns' | 'auth' | 'tls' | 'timeout' | 'database' | 'network' | 'owner' | 'other';

/** A warehouse that could not be reached. `message` is one line naming host:port, what failed and what to check. */
export class WarehouseConnectionError extends Error {
  constructor(
    message: string,
    readonly failure: ConnectionFailure,
  ) {
    super(message);
    this.name = 'WarehouseConnectionError';
    // The message is the whole story; a stack trace would only bury it.
    this.stack = `${this.name}: ${message}`;
  }
}

interface SqlErrorFields {
  message?: unknown;
  detail?: unknown;
  hint?: unknown;
  code?: unknown;
}

/** One line for a database error: the server's message, then its detail and hint when it gives them. */
export function sqlErrorMessage(error: unknown): string {
  if (error instanceof WarehouseConnectionError) return error.message;
  if (typeof error !== 'object' || error === null) return String(error);
  const e = error as SqlErrorFields;
  const parts: string[] = [];
  const message = typeof e.message === 'string' && e.message.length > 0 ? e.message : String(error);
  parts.push(message);
  if (typeof e.detail === 'string' && e.detail) parts.push(`(${e.detail})`);
  if (typeof e.hint === 'string' && e.hint) parts.push(`hint: ${e.hint}`);
  return parts.join(' ').replace(/\s*\n\s*/g, ' ');
}

/** The SQLSTATE of a database error, when there is one. */
export function sqlState(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as SqlErrorFields).code;
  return typeof code === 'string' ? code : undefined;
}

/** Removes every occurrence of a secret from a text, for messages built from driver errors. */
export function withoutSecret(text: string, secret: string | undefined): string {
  if (!secret) return text;
  return text.split(secret).join('***');
}
