// The CLI's input and output for tests that run `dvs` in process: what it prints is collected, HOME is a temp folder
// (so no real ~/.dbt/profiles.yml is read), and the environment holds only what the test passes.
import { tmpdir } from 'node:os';
import type { CliIo } from '../../server/src/cli/io';

export type CapturedIo = CliIo & { stdout: string; stderr: string };

export function captureIo(cwd: string, env: Record<string, string | undefined> = {}): CapturedIo {
  const io: CapturedIo = {
    stdout: '',
    stderr: '',
    cwd,
    env: { HOME: tmpdir(), ...env },
    isTTY: false,
    out(t: string) {
      io.stdout += t;
    },
    err(t: string) {
      io.stderr += t;
    },
  };
  return io;
}
