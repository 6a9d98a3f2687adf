// Background threads (the embedded database's, the language server's whole-project check) yield the CPU to the thread
// that answers the editor. On a 2-core machine they otherwise compete with the server's own thread and the editor for
// the cores, and replies wait for the operating system's scheduler (bench lsp: completion during the start-up check).
// It lives with the warehouse because it reads /proc, and only the rooms that own IO touch the file system.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/** Niceness of a background thread: below the server's thread, above nothing else of ours. */
export const BACKGROUND_NICENESS = 10;

/**
 * Lowers the calling thread's priority. On Linux a thread is a task with its own priority (its id is in
 * /proc/thread-self); elsewhere, or when not permitted, the thread keeps the process's priority.
 */
export function lowerThisThreadsPriority(): void {
  try {
    const task = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(task) && task > 0) setPriority(task, BACKGROUND_NICENESS);
  } catch {
    // No /proc (not Linux) or not permitted: the thread runs at the process's priority.
  }
}
