// npm test must say plainly, at the end, what was skipped and why.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const SkipSummaryReporter = require('./skip-summary-reporter.js') as new () => { onRunComplete(contexts: unknown, results: unknown): void };

function run(tests: { title: string; status: string }[]): string {
  const out: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { out.push(String(chunk)); return true; });
  try {
    const pending = tests.filter((t) => t.status === 'pending').length;
    new SkipSummaryReporter().onRunComplete(new Set(), { numPendingTests: pending, numTodoTests: 0, testResults: [{ testResults: tests }] });
  } finally {
    spy.mockRestore();
  }
  return out.join('');
}

test('names each skip reason and counts the rest', () => {
  const text = run([
    { title: 'render tests skipped: missing helm', status: 'pending' },
    { title: 'renders dev', status: 'pending' },
    { title: 'renders prod', status: 'pending' },
    { title: 'passes', status: 'passed' },
  ]);
  expect(text).toContain('Skipped: 3 test(s), not run.');
  expect(text).toContain('  - render tests skipped: missing helm');
  expect(text).toContain('  - 2 test(s) inside a suite skipped');
});

test('says nothing when nothing was skipped', () => {
  expect(run([{ title: 'passes', status: 'passed' }])).toBe('');
});
