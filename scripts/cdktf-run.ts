/**
 * `npm run plan -- <stack>` and `npm run deploy -- <stack>`: `cdktf diff` /
 * `cdktf deploy` of one stack, after checking what they need.
 *
 *   - the stack is one of the environments' stacks;
 *   - the engine: Terraform ≥ 1.9 or OpenTofu ≥ 1.9 (`TERRAFORM_BINARY_NAME`
 *     chooses; without it, terraform when present, else tofu);
 *   - the Azure CLI (the azurerm backend and providers sign in with it; the
 *     cluster stack's provisioners call it) and, for a platform stack,
 *     kubelogin (the kubernetes, helm and kustomization providers' exec login).
 *
 * Extra arguments go to cdktf unchanged (for example `--auto-approve`).
 * deploy passes `--ignore-missing-stack-dependencies`: a platform stack is
 * deployed alone once its cluster stack exists.
 */
import { spawnSync } from 'child_process';
import { loadEnvironments } from '../environments';
import { Tool, chooseEngine, requireTools } from './prerequisites';
import { runCommand } from './run-command';

const COMMANDS = { plan: ['diff'], deploy: ['deploy', '--ignore-missing-stack-dependencies'] } as const;
type Command = keyof typeof COMMANDS;

/** The tools a stack's plan and deploy need, besides the engine. */
export function toolsFor(stack: string): Tool[] {
  return stack.endsWith('-platform') ? ['az', 'kubelogin'] : ['az'];
}

/** The cdktf command line for a plan or deploy of one stack. */
export function cdktfArgs(command: Command, stack: string, extra: readonly string[]): string[] {
  return [...COMMANDS[command], stack, ...extra];
}

function main(argv: string[]): number {
  const [command, stack, ...extra] = argv;
  const stacks = loadEnvironments().flatMap((env) => [`${env.name}-cluster`, `${env.name}-platform`]);
  if (!command || !(command in COMMANDS) || !stack || stack === '--help') {
    process.stdout.write(`Usage: npm run plan -- <stack> | npm run deploy -- <stack> [cdktf options]\n  stacks: ${stacks.join(', ')}\n  engine: TERRAFORM_BINARY_NAME=terraform|tofu (default: terraform when installed, else tofu)\n`);
    return stack === '--help' || command === '--help' ? 0 : 1;
  }
  if (!stacks.includes(stack)) throw new Error(`unknown stack "${stack}": expected one of ${stacks.join(', ')}`);
  const engine = chooseEngine();
  requireTools(`${command} of ${stack}`, toolsFor(stack));
  console.log(`${command} ${stack} with ${engine}`);
  const run = spawnSync('cdktf', cdktfArgs(command as Command, stack, extra), {
    stdio: 'inherit',
    env: { ...process.env, CHECKPOINT_DISABLE: '1', TERRAFORM_BINARY_NAME: engine },
  });
  if (run.error) throw new Error(`cannot start cdktf: ${run.error.message} (run npm ci first)`);
  return run.status ?? 1;
}

if (require.main === module) runCommand(main);
