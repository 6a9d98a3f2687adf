// The order and pace in which an editor session re-checks models. Checking runs in short slices so requests
// (completion, hover) wait at most for the model being checked, even while a whole 2,000-model project is checked;
// the edited model goes first, then the models open in the editor, then the rest; and the models an edit affects
// besides the edited one wait until typing pauses, so a burst of keystrokes checks them once, against the last text.
// The language server supplies what a check is (checkModel() and publishing) and which models are open.

export interface CheckSchedulerHooks {
  /** Checks one model and publishes its findings; a throw is the hook's to report. */
  check(name: string): void;
  /** The models open in the editor, checked before the rest. */
  openModels(): Iterable<string>;
  /** After each slice and when a run ends (the language server reports the check's progress then). */
  afterSlice?(): void;
  /**
   * Resolves when the next slice may start. The language server waits until what the last slice published has been
   * written to the client: the connection writes one message per turn of the event loop, so a slice that published
   * more than that would grow a queue that every reply then waits behind.
   */
  ready?(): Promise<void>;
}

export interface CheckTimings {
  /** From a change to the start of checking. */
  delayMs: number;
  /** About how long one slice checks (at least one model) before yielding to requests. */
  sliceMs: number;
  /** How long typing must pause before the models an edit affects are checked; each new edit postpones them. */
  dependantsDelayMs: number;
}

/**
 * No start delay: changes already received in one read are checked together, and nothing waits longer than that.
 * Slices of about 1 ms keep a request's wait for the running slice short: against 2 ms slices they cut the completion wait
 * during the start-up check by about a quarter (bench lsp: p50 6.8 → 4.2 ms, p95 20 → 16 ms) for about 6 % more check time.
 */
export const EDITOR_CHECK_TIMINGS: CheckTimings = { delayMs: 0, sliceMs: 1, dependantsDelayMs: 300 };

/**
 * Waits until requests that arrived meanwhile have been handled. The LSP connection reads a message in the event
 * loop's poll phase and handles it from an immediate it queues then; a slice that simply queued its own next immediate
 * would run before it. Queuing the next slice from an immediate of the next turn puts it behind the request's.
 */
export function yieldToRequests(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

export class CheckScheduler {
  /** Models waiting to be checked. */
  private readonly pending = new Set<string>();
  /** Models edited since the last check: checked before any other. */
  private readonly edited = new Set<string>();
  /** Models an edit affects, waiting for typing to pause before they become pending. */
  private readonly deferred = new Set<string>();
  private startTimer?: ReturnType<typeof setTimeout>;
  private deferTimer?: ReturnType<typeof setTimeout>;
  /** True while a run checks slice by slice; models added meanwhile join it. */
  private running = false;
  private disposed = false;
  /** Models checked since the current run began (the one before, once it ended). */
  private checkedInRun = 0;

  constructor(
    private readonly hooks: CheckSchedulerHooks,
    private readonly timings: CheckTimings = EDITOR_CHECK_TIMINGS,
  ) {}

  /** Every one of these models is checked again (the project opened, the catalog changed). */
  checkAll(names: Iterable<string>): void {
    for (const name of names) this.pending.add(name);
    this.schedule();
  }

  /** One model is checked again soon, with no dependants (its editor closed and the disk version counts again). */
  recheck(name: string): void {
    this.pending.add(name);
    this.schedule();
  }

  /**
   * A model was edited, created or removed: it is checked first (unless it no longer exists), and `affected` once
   * typing pauses. Dependants still waiting from an earlier edit are postponed with them, since they would be checked
   * against a text that is already stale.
   */
  modelChanged(name: string, affected: Iterable<string>, exists: boolean): void {
    for (const m of this.pending) {
      if (this.deferred.has(m)) this.pending.delete(m);
    }
    for (const m of affected) this.deferred.add(m);
    if (exists) {
      this.edited.add(name);
      this.pending.add(name);
    }
    if (this.deferTimer) clearTimeout(this.deferTimer);
    this.deferTimer = setTimeout(() => {
      this.deferTimer = undefined;
      for (const m of this.deferred) this.pending.add(m);
      this.schedule();
    }, this.timings.dependantsDelayMs);
    this.schedule();
  }

  /** Stops: nothing more is checked, and no timer is left behind. */
  dispose(): void {
    this.disposed = true;
    if (this.startTimer) clearTimeout(this.startTimer);
    if (this.deferTimer) clearTimeout(this.deferTimer);
  }

  /** How far the current run is: models checked in it, models still waiting, and whether it still runs. */
  get progress(): { checked: number; waiting: number; running: boolean } {
    return { checked: this.checkedInRun, waiting: this.pending.size, running: this.running };
  }

  /** Whether nothing is waiting, running or deferred (for tests and benchmarks that wait for quiet). */
  get idle(): boolean {
    return !this.running && !this.startTimer && !this.deferTimer && this.pending.size === 0;
  }

  private schedule(): void {
    if (this.startTimer || this.running || this.disposed) return;
    this.startTimer = setTimeout(() => {
      this.startTimer = undefined;
      void this.drain();
    }, this.timings.delayMs);
  }

  /** Checks the pending models slice by slice, yielding to requests between slices. */
  private async drain(): Promise<void> {
    this.running = true;
    this.checkedInRun = 0;
    try {
      while (!this.disposed && this.pending.size > 0) {
        const started = performance.now();
        for (const name of this.nextToCheck()) {
          this.pending.delete(name);
          this.edited.delete(name);
          // A dependant checked after typing paused is done; one checked earlier (by the start-up check) waits for it.
          if (!this.deferTimer) this.deferred.delete(name);
          this.hooks.check(name);
          this.checkedInRun++;
          if (performance.now() - started >= this.timings.sliceMs) break;
        }
        this.hooks.afterSlice?.();
        await yieldToRequests();
        if (this.hooks.ready) await this.hooks.ready();
      }
    } finally {
      this.running = false;
      this.hooks.afterSlice?.();
    }
  }

  /** The pending models in the order they are checked: the edited ones, those open in the editor, then the rest. */
  private nextToCheck(): string[] {
    const first = new Set<string>([...this.edited].filter((name) => this.pending.has(name)));
    for (const name of this.hooks.openModels()) if (this.pending.has(name)) first.add(name);
    return [...first, ...[...this.pending].filter((name) => !first.has(name))];
  }
}
