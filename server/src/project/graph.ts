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
 * Nodes in build order: every node after all its parents, ties broken by name so the order is stable. The members
 * of a cycle cannot be ordered among themselves; they stay together, by name, after what they depend on outside the
 * cycle (the cycle itself is reported as DV103).
 */
export function topologicalOrder(graph: DependencyGraph, only?: Iterable<string>): string[] {
  const wanted = only ? new Set(only) : undefined;
  const components = stronglyConnectedComponents(graph);
  const componentOf = new Map<string, number>();
  components.forEach((c, i) => c.forEach((n) => componentOf.set(n, i)));
  // Kahn's algorithm over the components, keyed by each component's first name.
  const inDegree = components.map(() => 0);
  const childComponents = components.map(() => new Set<number>());
  components.forEach((c, i) => {
    for (const n of c) {
      for (const p of graph.parents.get(n) ?? []) {
        const pc = componentOf.get(p) as number;
        if (pc !== i && !childComponents[pc]?.has(i)) {
          childComponents[pc]?.add(i);
          inDegree[i] = (inDegree[i] ?? 0) + 1;
        }
      }
    }
  });
  const key = (i: number) => components[i]?.[0] ?? '';
  const ready = components.map((_, i) => i).filter((i) => inDegree[i] === 0);
  ready.sort((a, b) => key(a).localeCompare(key(b)));
  const order: string[] = [];
  while (ready.length) {
    const i = ready.shift() as number;
    order.push(...(components[i] ?? []));
    let added = false;
    for (const c of childComponents[i] ?? []) {
      inDegree[c] = (inDegree[c] ?? 0) - 1;
      if (inDegree[c] === 0) {
        ready.push(c);
        added = true;
      }
    }
    if (added) ready.sort((a, b) => key(a).localeCompare(key(b)));
  }
  return wanted ? order.filter((n) => wanted.has(n)) : order;
}

/**
 * The dependency cycles, each as a path [a, b, …] where a depends on b, …, and the last depends on a. One cycle per
 * strongly connected component, starting at its alphabetically first node, so reports are stable.
 */
export function findCycles(graph: DependencyGraph): string[][] {
  return stronglyConnectedComponents(graph)
    .filter((c) => c.length > 1 || (graph.parents.get(c[0] as string) ?? []).includes(c[0] as string))
    .map((c) => cyclePath(graph, new Set(c)))
    .sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''));
}

/** Tarjan's strongly connected components (each sorted by name), iterative so deep graphs cannot overflow the stack. */
function stronglyConnectedComponents(graph: DependencyGraph): string[][] {
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
        components.push(component.sort());
      }
    }
  }
  return components;
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
