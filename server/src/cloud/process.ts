// Runs an outside program (terraform, yc) for the cloud flows: the flows receive a `ProcessRunner` so tests and the
// editor decide how processes start; `runNodeProcess` is the real one on top of node:child_process.
import { spawn } from 'node:child_process';

export interface ProcessRequest {
  command: string;
  args: string[];
  cwd: string;
  /** The complete environment of the child (nothing is inherited beyond it); PATH in it is used to find `command`. */
  env: Record<string, string>;
  /** Aborting interrupts the child with SIGINT, which Terraform handles by stopping cleanly. */
  signal?: AbortSignal;
}

export interface ProcessResult {
  /** Null when the program could not start or was killed by a signal. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** The program is not on PATH (or the path given does not exist). */
  notFound: boolean;
  /** Why the program could not start, when it could not. */
  startError?: string;
}

/** Streams each chunk of output as it arrives, tagged with its stream. */
export type OutputListener = (chunk: string, stream: 'stdout' | 'stderr') => void;

export type ProcessRunner = (request: ProcessRequest, onOutput?: OutputListener) => Promise<ProcessResult>;

export const runNodeProcess: ProcessRunner = (request, onOutput) =>
  new Promise<ProcessResult>((resolve) => {
    let stdout = '';
    let stderr = '';
    let settled = false;
    const finish = (result: ProcessResult): void => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const child = spawn(request.command, request.args, {
      cwd: request.cwd,
      env: request.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
      ...(request.signal ? { signal: request.signal, killSignal: 'SIGINT' as const } : {}),
    });
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      onOutput?.(chunk, 'stdout');
    });
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      onOutput?.(chunk, 'stderr');
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      // An abort also arrives here (AbortError) after the child was signalled; 'close' reports the outcome then.
      if (error.name === 'AbortError') return;
      finish({ exitCode: null, stdout, stderr, notFound: error.code === 'ENOENT', startError: error.message });
    });
    child.on('close', (code) => finish({ exitCode: code, stdout, stderr, notFound: false }));
  });
