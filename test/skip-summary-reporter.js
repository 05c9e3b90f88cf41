// A jest reporter that ends the run with a plain line per group of skipped
// tests: jest's own summary only says "N skipped", and a skipped render or
// engine suite must not pass unnoticed. Skips that explain themselves (a
// placeholder test named "… skipped: <reason>") are printed with their reason.
class SkipSummaryReporter {
  onRunComplete(_contexts, results) {
    const reasons = new Map();
    let other = 0;
    for (const file of results.testResults) {
      for (const t of file.testResults) {
        if (t.status !== 'pending' && t.status !== 'skipped' && t.status !== 'todo') continue;
        if (/\bskipped: /.test(t.title)) reasons.set(t.title, (reasons.get(t.title) ?? 0) + 1);
        else other += 1;
      }
    }
    const total = results.numPendingTests + results.numTodoTests;
    if (total === 0) return;
    const lines = [`\nSkipped: ${total} test(s), not run.`];
    for (const [reason] of reasons) lines.push(`  - ${reason}`);
    if (other > 0) lines.push(`  - ${other} test(s) inside a suite skipped for the reason above, or marked skip/todo`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}
module.exports = SkipSummaryReporter;
