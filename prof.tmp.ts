import { createPopulation, rawRowsJson } from './server/src/generate/population';
import { seedState } from './server/src/generate/random';
let t = Date.now();
const p = createPopulation(seedState(0), 100000, 1719144000);
console.log('population', Date.now() - t); t = Date.now();
for (let s = 1; s <= 2; s++) {
const u = rawRowsJson(p, 'users', s, 1719144000, 0, 100000);
console.log('user rows', Date.now() - t, u.length); t = Date.now();
const pr = rawRowsJson(p, 'purchases', s, 1719144000, 0, 100000);
console.log('purchase rows', Date.now() - t); t = Date.now();
}
