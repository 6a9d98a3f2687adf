// Preloaded into a benchmarked process (node --require): prints its peak resident memory when it exits.
process.on('exit', () => {
  process.stderr.write(`\n[bench] maxRSS ${process.resourceUsage().maxRSS}\n`);
});
