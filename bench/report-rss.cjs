// Preloaded into a benchmarked process (node --require): prints its peak resident memory and the CPU time it used
// (user + system, microseconds) when it exits. CPU time does not grow when other processes share the cores.
process.on('exit', () => {
  const usage = process.resourceUsage();
  process.stderr.write(`\n[bench] maxRSS ${usage.maxRSS}\n[bench] cpu ${usage.userCPUTime + usage.systemCPUTime}\n`);
});
