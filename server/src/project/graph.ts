// The ref()/source() dependency graph between the project's nodes (models, seeds, snapshots): parents, children,
// their transitive closures, a deterministic build order and the cycles that prevent one.

export interface DependencyGraph {
  /** Node → the nodes it depends on (each once, in first-reference order). */
  readonly parents: ReadonlyMap<string, readonly string[]>;
  /** Node → the nodes that depend on it (sorted). */
  readonly children: ReadonlyMap<string, readonly string[]>;
}

/** Builds the graph from each node's parents; parents that are not nodes themselves are dropped. */
export function buildGraph(parentsOf: ReadonlyMap<string, readonly string[]>): DependencyGraph {
  const parents = new Map<string, string[]>();
  const children = new Map<string, string[]>();
  for (const name of parentsOf.keys()) children.set(name, []);
  for (const [name, ps] of parentsOf) {
    const unique = [...new Set(ps)].filter((p) => parentsOf.has(p));
    parents.set(name, unique);
    for (const p of unique) children.get(p)?.push(name);
  }
  for (const list of children.values()) list.sort();
  return { parents, children };
}

function closure(start: string, next: ReadonlyMap<string, readonly string[]>): string[] {
  const seen = new Set<string>();
  const stack = [...(next.get(start) ?? [])];
  while (stack.length) {
    const n = stack.pop() as string;
    if (seen.has(n) || n === start) continue;
    seen.add(n);
    stack.push(...(next.get(n) ?? []));
  }
  return [...seen].sort();
}

/** Every node `name` depends on, directly or not (sorted). */
export function ancestors(graph: DependencyGraph, name: string): string[] {
  return closure(name, graph.parents);
}

/** Every node that depends on `name`, directly or not (sorted). */
export function descendants(graph: DependencyGraph, name: string): string[] {
  return closure(name, graph.children);
}

/**
 * Nodes in build order: every node after all its parents, ties broken by name so the order is stable. Nodes caught
 * in a cycle cannot be ordered; they come last, by name (the cycle itself is reported as DV103).
 */
export function topologicalOrder(graph: DependencyGraph, only?: Iterable<string>): string[] {
  const wanted = only ? new Set(only) : undefined;
  const inDegree = new Map<string, number>();
  for (const [name, ps] of graph.parents) inDegree.set(name, ps.length);
  const ready = [...inDegree].filter(([, d]) => d === 0).map(([n]) => n).sort();
  const order: string[] = [];
  while (ready.length) {
    const n = ready.shift() as string;
    order.push(n);
    const newlyReady: string[] = [];
    for (const c of graph.children.get(n) ?? []) {
      const d = (inDegree.get(c) ?? 0) - 1;
      inDegree.set(c, d);
      if (d === 0) newlyReady.push(c);
    }
    if (newlyReady.length) {
      ready.push(...newlyReady);
      ready.sort();
    }
  }
  const placed = new Set(order);
  const stuck = [...graph.parents.keys()].filter((n) => !placed.has(n)).sort();
  const all = [...order, ...stuck];
  return wanted ? all.filter((n) => wanted.has(n)) : all;
}

/**
 * The dependency cycles, each as a path [a, b, …] where a depends on b, …, and the last depends on a. One cycle per
 * strongly connected component, starting at its alphabetically first node, so reports are stable.
 */
export function findCycles(graph: DependencyGraph): string[][] {
  // Tarjan's strongly connected components, iterative so deep graphs cannot overflow the stack.
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  for (const root of [...graph.parents.keys()].sort()) {
    if (indexOf.has(root)) continue;
    const work: { node: string; next: number }[] = [{ node: root, next: 0 }];
    indexOf.set(root, index);
    low.set(root, index++);
    stack.push(root);
    onStack.add(root);
    while (work.length) {
      const frame = work[work.length - 1] as { node: string; next: number };
      const ps = graph.parents.get(frame.node) ?? [];
      if (frame.next < ps.length) {
        const p = ps[frame.next++] as string;
        if (!indexOf.has(p)) {
          indexOf.set(p, index);
          low.set(p, index++);
          stack.push(p);
          onStack.add(p);
          work.push({ node: p, next: 0 });
        } else if (onStack.has(p)) {
          low.set(frame.node, Math.min(low.get(frame.node) as number, indexOf.get(p) as number));
        }
        continue;
      }
      work.pop();
      const parentFrame = work[work.length - 1];
      if (parentFrame) low.set(parentFrame.node, Math.min(low.get(parentFrame.node) as number, low.get(frame.node) as number));
      if (low.get(frame.node) === indexOf.get(frame.node)) {
        const component: string[] = [];
        let n: string;
        do {
          n = stack.pop() as string;
          onStack.delete(n);
          component.push(n);
        } while (n !== frame.node);
        const selfLoop = component.length === 1 && (graph.parents.get(n) ?? []).includes(n);
        if (component.length > 1 || selfLoop) components.push(component);
      }
    }
  }
  return components.map((c) => cyclePath(graph, new Set(c))).sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''));
}

/** A shortest cycle through the component's first node, following parent edges inside the component. */
function cyclePath(graph: DependencyGraph, component: ReadonlySet<string>): string[] {
  const start = [...component].sort()[0] as string;
  const previous = new Map<string, string>();
  const queue = [start];
  const seen = new Set([start]);
  while (queue.length) {
    const n = queue.shift() as string;
    for (const p of graph.parents.get(n) ?? []) {
      if (!component.has(p)) continue;
      if (p === start) {
        const path = [n];
        let cur = n;
        while (cur !== start) {
          cur = previous.get(cur) as string;
          path.push(cur);
        }
        return path.reverse();
      }
      if (!seen.has(p)) {
        seen.add(p);
        previous.set(p, n);
        queue.push(p);
      }
    }
  }
  return [start];
}
