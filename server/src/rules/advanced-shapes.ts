// DV202 inside the nested metadata of pit, bridge and xts: a satellite spec that is not {pk: {PK: col}, ldts: ...},
// a bridge step missing link_pk, a stage load date that is a list. AutomateDV fails to compile each of these; the
// message names the shape it expects. A parameter that is not a mapping at all is parameterTypes' finding.
import { diagnostic } from '../base/diagnostic';
import { CODES } from '../base/codes';
import { nestedMetadataFindings } from './advanced-metadata';
import { tableOf } from './context';
import type { VaultRule } from './rule';

export const advancedShapes: VaultRule = {
  id: 'DV202',
  title: CODES.DV202.title,
  check(ctx) {
    const table = tableOf(ctx.parsed);
    if (!table) return [];
    return nestedMetadataFindings(table).flatMap(({ param, finding }) => {
      if (finding.kind !== 'shape') return [];
      const value = table.call.params.get(param)?.value;
      const topLevelNotMapping = value !== undefined && value.kind !== 'dict' && finding.span.start === value.span.start && finding.span.end === value.span.end;
      if (topLevelNotMapping && param !== 'as_of_dates_table') return [];
      return [diagnostic('DV202', 'error', finding.message, finding.span)];
    });
  },
};
