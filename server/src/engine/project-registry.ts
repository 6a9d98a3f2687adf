// The projects an editor session has open: one per dbt project root, opened on first use, closed and reopened when
// its configuration changes (a reopen keeps the target chosen for the session). Which root a file belongs to is
// found once per folder. What a project's state holds, how it opens and how it closes is the caller's.
import { dirname } from 'node:path';
import { findProjectRoot, nodeFileSystem, type FileSystem } from '../project/file-system';

export interface ProjectLifecycle<S> {
  open(root: string, selectedTarget: string | undefined): Promise<S>;
  /** Stops the state's work and releases what it holds (timers, the warehouse). */
  close(state: S): Promise<void>;
  /** The target chosen for the session, kept across a reopen. */
  selectedTargetOf(state: S): string | undefined;
}

export class ProjectRegistry<S> {
  private readonly byRoot = new Map<string, Promise<S>>();
  private readonly rootOfDir = new Map<string, string | null>();

  constructor(
    private readonly lifecycle: ProjectLifecycle<S>,
    private readonly files: FileSystem = nodeFileSystem,
  ) {}

  /** The dbt project root (the folder of the nearest dbt_project.yml above) of a file, or undefined. */
  rootOf(path: string): string | undefined {
    const dir = dirname(path);
    if (!this.rootOfDir.has(dir)) this.rootOfDir.set(dir, findProjectRoot(dir, this.files) ?? null);
    return this.rootOfDir.get(dir) ?? undefined;
  }

  /** The project at the root, opened on first use. */
  get(root: string): Promise<S> {
    let p = this.byRoot.get(root);
    if (!p) {
      p = this.lifecycle.open(root, undefined);
      this.byRoot.set(root, p);
    }
    return p;
  }

  has(root: string): boolean {
    return this.byRoot.has(root);
  }

  /** The roots of the open projects, in the order they were opened. */
  roots(): string[] {
    return [...this.byRoot.keys()];
  }

  async close(root: string): Promise<void> {
    const p = this.byRoot.get(root);
    this.byRoot.delete(root);
    if (p) await this.lifecycle.close(await p);
  }

  /** Closes and opens the project again, with `selectedTarget` or else the target chosen before. */
  async reopen(root: string, selectedTarget?: string): Promise<S> {
    const previous = this.byRoot.get(root);
    const keep = selectedTarget ?? (previous ? this.lifecycle.selectedTargetOf(await previous) : undefined);
    await this.close(root);
    const p = this.lifecycle.open(root, keep);
    this.byRoot.set(root, p);
    return p;
  }

  async closeAll(): Promise<void> {
    for (const root of this.roots()) await this.close(root);
  }
}
