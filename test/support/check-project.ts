// Runs `dvs check --format json` on a fixture project as a CI machine without credentials would (no profiles in HOME).
import { tmpdir } from 'node:os';
import { runCli } from '../../server/src/cli/main';
import type { CliIo } from '../../server/src/cli/io';

export interface CheckDocument {
  diagnostics: { file: string; line: number; severity: string; code: string; message: string }[];
}

export async function checkProject(dir: string): Promise<{ code: number; doc: CheckDocument; stderr: string }> {
  const io: CliIo & { stdout: string; stderr: string } = {
    stdout: '',
    stderr: '',
    cwd: dir,
    env: { HOME: tmpdir(), PATH: process.env.PATH },
    isTTY: false,
    out(t: string) {
      io.stdout += t;
    },
    err(t: string) {
      io.stderr += t;
    },
  };
  const code = await runCli(['check', '--format', 'json', '--project', dir], io);
  return { code, doc: JSON.parse(io.stdout) as CheckDocument, stderr: io.stderr };
}

