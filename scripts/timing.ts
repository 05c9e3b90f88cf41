/** Wall-clock timing of whole commands, for the benchmark scripts. */
import { spawnSync } from 'child_process';

/** Runs a command to completion and returns its wall time in seconds; a failure throws with its stderr. */
export function timeCommand(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, [...args], { cwd, env, encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${result.stderr}`);
  return seconds;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** `median 1.23 s  [1.20 1.23 1.31]` */
export function describeRuns(values: readonly number[]): string {
  return `median ${median(values).toFixed(2)} s  [${values.map((x) => x.toFixed(2)).join(' ')}]`;
}
