// Preloaded into a child process (node --require) by tests that cap memory: prints the peak resident set
// size on exit, on stderr's last line, where the test reads it.
process.on('exit', () => {
  try {
    require('node:fs').writeSync(2, `\n[peak-rss-kb ${process.resourceUsage().maxRSS}]\n`);
  } catch {
    // stderr already closed: nothing to report to
  }
});
