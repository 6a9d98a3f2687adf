// `dvs load`: compiles and builds the selected models in dependency order (filled in when the loads module lands).
import type { ParsedArgs } from './args';
import { CliFailure, type CliIo } from './io';

export async function runLoadCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  void args;
  void io;
  throw new CliFailure('dvs load is not available in this build yet.', 2);
}
