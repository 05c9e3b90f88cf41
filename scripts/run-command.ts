/**
 * Runs a command-line entry point: its return value is the exit code; an
 * error prints as one line (no stack trace) and exits 1.
 */
export function runCommand(main: (argv: string[]) => number | Promise<number>): void {
  const fail = (error: unknown) => {
    console.error(`✗ ${(error as Error).message}`);
    process.exitCode = 1;
  };
  try {
    Promise.resolve(main(process.argv.slice(2))).then((code) => { process.exitCode = code; }, fail);
  } catch (error) {
    fail(error);
  }
}
