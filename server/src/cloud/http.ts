// JSON over HTTP for the Superset and Airbyte clients, on Node's global fetch: a reply is a value (status, text,
// parsed JSON), and only "nothing answered" is an exception, whose message names the address and the likely fix.

export interface HttpReply {
  status: number;
  ok: boolean;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

/** Nothing answered at the address (refused, unknown host, timed out), as opposed to an HTTP error status. */
export class UnreachableError extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`nothing answers at ${new URL(url).origin} (${reason})`);
    this.name = 'UnreachableError';
  }
}

function describeFailure(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'timed out';
  if (error instanceof Error && error.name === 'AbortError') return 'cancelled';
  const cause = error instanceof Error ? (error.cause as NodeJS.ErrnoException | undefined) : undefined;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused';
  if (cause?.code === 'ENOTFOUND' || cause?.code === 'EAI_AGAIN') return 'unknown host';
  if (cause?.code === 'ECONNRESET' || cause?.code === 'UND_ERR_SOCKET') return 'the connection was closed';
  if (cause?.code) return cause.code;
  // fetch wraps the real reason ("bad port", a TLS error) in its cause and says only "fetch failed" itself.
  if (cause instanceof Error && cause.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}

export interface RequestOptions extends Omit<RequestInit, 'signal'> {
  /** Gives up after this long (default 30 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export async function sendRequest(url: string, options: RequestOptions = {}): Promise<HttpReply> {
  const { timeoutMs = 30_000, signal, ...init } = options;
  const timeout = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new UnreachableError(url, describeFailure(error));
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, ok: response.ok, headers: response.headers, text, json };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The server's own explanation of an error reply (`message`, `detail`, `error`, `errors`), shortened for a notification. */
export function replyDetail(reply: HttpReply): string {
  const body = reply.json;
  let detail: unknown;
  if (isRecord(body)) detail = body.message ?? body.detail ?? body.error ?? body.errors ?? body.msg;
  const text = detail === undefined ? reply.text.trim() : typeof detail === 'string' ? detail : JSON.stringify(detail);
  const oneLine = text.replace(/\s+/g, ' ');
  const short = oneLine.length > 300 ? `${oneLine.slice(0, 300)}…` : oneLine;
  return short ? `HTTP ${reply.status}: ${short}` : `HTTP ${reply.status}`;
}

export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return isRecord(value) ? value : undefined;
}

/** Joins a base URL (with or without a trailing slash, possibly with a path) and an absolute API path. */
export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path;
}
