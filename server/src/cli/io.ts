// What a CLI command may touch of the outside world, injectable so tests run commands in-process.
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  /** stderr is a terminal: progress lines may be redrawn in place. */
  isTTY: boolean;
}

/** A failure with its exit code (2 usage/configuration, 1 the work failed); the message is for people. */
export class CliFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 2,
  ) {
    super(message);
    this.name = 'CliFailure';
  }
}
