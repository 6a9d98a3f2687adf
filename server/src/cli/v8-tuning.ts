// V8 settings for a `dvs` command that runs through a whole project once and exits (a cold `dvs check`). Such a run
// executes each of its functions a few thousand times at most, so V8's optimizing compiler, which starts on a function
// after about 66 KB of its bytecode has run, spends more time compiling than the optimized code gives back: on the
// 2,000-model bench project (bench/large-project.ts) its background threads took about 1.3 s of CPU beside a 1.2 s
// main thread, and on two cores they took turns with the main thread. Letting a function run four times as long
// before it is optimized left the main thread's time the same and cut the background threads' to about 0.5 s.
import { setFlagsFromString } from 'node:v8';

/** Bytes of bytecode a function runs before V8 considers optimizing it: four times V8's default (67,584). */
export const BATCH_INTERRUPT_BUDGET = 4 * 67_584;

let tuned = false;

/**
 * Sets the budget above for the rest of this process, before the command's code is loaded; `DVS_V8_TUNING=off`
 * leaves V8's defaults (to compare). The language server, which runs for hours, never calls this.
 */
export function tuneV8ForBatchRun(env: Readonly<Record<string, string | undefined>> = process.env): void {
  if (tuned || env.DVS_V8_TUNING === 'off') return;
  tuned = true;
  setFlagsFromString(`--interrupt-budget=${BATCH_INTERRUPT_BUDGET}`);
}
