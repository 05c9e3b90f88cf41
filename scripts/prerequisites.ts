/**
 * The command-line tools a deploy path needs, checked before anything runs:
 * a missing tool is a message naming it and how to get it, never a
 * `spawnSync … ENOENT` halfway through a plan.
 */
import { spawnSync } from 'child_process';

export type Tool = 'az' | 'kubelogin' | 'kubectl' | 'helm' | 'terraform' | 'tofu';

interface ToolSpec {
  readonly versionArgs: readonly string[];
  /** What the tool is needed for and how to get it. */
  readonly get: string;
}

export const TOOLS: Readonly<Record<Tool, ToolSpec>> = {
  az: { versionArgs: ['version', '--output', 'json'], get: 'the Azure CLI: https://learn.microsoft.com/cli/azure/install-azure-cli' },
  kubelogin: { versionArgs: ['--version'], get: 'kubelogin (the Entra ID exec plugin the providers sign in with): `az aks install-cli` or https://azure.github.io/kubelogin/install.html' },
  kubectl: { versionArgs: ['version', '--client'], get: 'kubectl: `az aks install-cli` or https://kubernetes.io/docs/tasks/tools/' },
  helm: { versionArgs: ['version', '--short'], get: 'Helm 3: https://helm.sh/docs/intro/install/ (or `go install helm.sh/helm/v3/cmd/helm@v3.22.0`)' },
  terraform: { versionArgs: ['version'], get: 'Terraform ≥ 1.9: https://developer.hashicorp.com/terraform/install' },
  tofu: { versionArgs: ['version'], get: 'OpenTofu ≥ 1.9: https://opentofu.org/docs/intro/install/ (CI builds v1.12.6 from the Go module proxy: see .ci/run)' },
};

/** How a tool answers `--version`; undefined when it cannot be started. */
export type Probe = (command: string, args: readonly string[]) => string | undefined;

export const probe: Probe = (command, args) => {
  const run = spawnSync(command, [...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, CHECKPOINT_DISABLE: '1' } });
  if (run.error || run.status !== 0) return undefined;
  return `${run.stdout}${run.stderr}`;
};

/** The tools of the list that cannot be started, one message each. */
export function missingTools(tools: readonly Tool[], run: Probe = probe): string[] {
  return tools.filter((t) => run(t, TOOLS[t].versionArgs) === undefined).map((t) => `${t} is not installed or not on PATH; install ${TOOLS[t].get}`);
}

/** Throws one message listing every missing tool and what it is for. */
export function requireTools(purpose: string, tools: readonly Tool[], run: Probe = probe): void {
  const missing = missingTools(tools, run);
  if (missing.length > 0) throw new Error(`${purpose} needs tools that are missing:\n${missing.map((m) => `  - ${m}`).join('\n')}`);
}

/** Oldest engine versions the synthesized JSON is known to work with (for_each, check blocks, terraform_data). */
export const MIN_ENGINE: Readonly<Record<'terraform' | 'tofu', [number, number]>> = { terraform: [1, 9], tofu: [1, 9] };

function versionOf(text: string): [number, number] | undefined {
  const m = /v(\d+)\.(\d+)\.\d+/.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/**
 * The engine cdktf runs (`TERRAFORM_BINARY_NAME`): the one named there, else
 * `terraform` when it is recent enough, else `tofu`. Throws, naming both and
 * how to get them, when neither qualifies.
 */
export function chooseEngine(env: NodeJS.ProcessEnv = process.env, run: Probe = probe): string {
  const named = env.TERRAFORM_BINARY_NAME;
  const candidates = named ? [named] : ['terraform', 'tofu'];
  const problems: string[] = [];
  for (const binary of candidates) {
    const out = run(binary, ['version']);
    if (out === undefined) {
      problems.push(`${binary}: not installed or not on PATH`);
      continue;
    }
    const kind = /OpenTofu/i.test(out) ? 'tofu' : 'terraform';
    const version = versionOf(out);
    const [major, minor] = MIN_ENGINE[kind];
    if (!version || version[0] < major || (version[0] === major && version[1] < minor)) {
      problems.push(`${binary}: ${out.split('\n')[0].trim()} is older than ${kind === 'tofu' ? 'OpenTofu' : 'Terraform'} ${major}.${minor}`);
      continue;
    }
    return binary;
  }
  const where = named ? `TERRAFORM_BINARY_NAME=${named}` : 'neither terraform nor tofu';
  throw new Error(`no usable Terraform engine (${where}):\n${problems.map((p) => `  - ${p}`).join('\n')}\n  install ${TOOLS.terraform.get}, or ${TOOLS.tofu.get}; set TERRAFORM_BINARY_NAME=tofu to choose OpenTofu`);
}
