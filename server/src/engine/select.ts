// dbt selection over a session's models (`+a b+`, `tag:x`, `path:models/dds`, …), with --exclude.
import type { ProjectNode } from '../project';
import type { ProjectSession } from './session';

export function selectNodes(session: ProjectSession, select: string[], exclude: string[]): ProjectNode[] {
  const models = session.models();
  const order = session.project.topologicalOrder(models.map((m) => m.name));
  const byName = new Map(models.map((m) => [m.name, m]));
  const names = selectedNames(session, select, exclude);
  return order.filter((n) => names.has(n)).map((n) => byName.get(n) as ProjectNode);
}

function selectedNames(session: ProjectSession, select: string[], exclude: string[]): Set<string> {
  const all = session.models().map((m) => m.name);
  const pick = (words: string[]): Set<string> => {
    const out = new Set<string>();
    for (const w of words) {
      const up = w.startsWith('+');
      const down = w.endsWith('+');
      const name = w.replace(/^\+/, '').replace(/\+$/, '');
      if (!all.includes(name)) continue;
      out.add(name);
      if (up) for (const a of session.project.ancestors(name)) out.add(a);
      if (down) for (const d of session.project.descendants(name)) out.add(d);
    }
    return out;
  };
  const chosen = select.length ? pick(select) : new Set(all);
  for (const x of pick(exclude)) chosen.delete(x);
  return chosen;
}
