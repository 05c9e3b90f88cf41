import { existsSync, readdirSync, rmSync } from 'fs';
import { join } from 'path';

/**
 * Deletes the folders of `outdir/stacks/` that belong to no stack of the
 * current synthesis (`stackNames`): cdktf leaves a removed environment's stacks
 * there, and a stale stack would otherwise be previewed, planned or deployed
 * as if it still existed. Only folders that hold a synthesized stack
 * (`cdk.tf.json`) are touched, and never one with a local Terraform state
 * (`terraform.tfstate`): that state would be lost. Returns the removed names.
 */
export function removeStaleStacks(outdir: string, stackNames: readonly string[]): string[] {
  const stacksDir = join(outdir, 'stacks');
  if (!existsSync(stacksDir)) return [];
  const removed: string[] = [];
  for (const entry of readdirSync(stacksDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || stackNames.includes(entry.name)) continue;
    const dir = join(stacksDir, entry.name);
    if (!existsSync(join(dir, 'cdk.tf.json')) || existsSync(join(dir, 'terraform.tfstate'))) continue;
    rmSync(dir, { recursive: true, force: true });
    removed.push(entry.name);
  }
  return removed.sort();
}
