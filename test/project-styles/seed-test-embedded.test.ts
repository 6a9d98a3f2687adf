// dvs seed / dvs test on the embedded target: the project's own PGlite data directory (one database for the file).
import { openWarehouse } from '../../server/src/warehouse/target';
import { defineSeedAndTestSuite } from './seed-test-suite';

defineSeedAndTestSuite('embedded PGlite', async () => ({
  targetArgs: ['--target', 'embedded'],
  targetName: 'embedded',
  env: {},
  prepare: () => undefined,
  open: (projectDir) => openWarehouse({ kind: 'embedded', name: 'embedded' }, projectDir),
  close: async () => undefined,
}));
