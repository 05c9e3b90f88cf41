// The real engine decides: synthesized stacks load in OpenTofu, and the check
// that .ci/run runs over every stack fails on the defects that once passed
// every test (a self-contained precondition, `${…}` in replace_triggered_by).
import { engineAvailable, loadInEngine, tofuBinary } from '../scripts/engine-check';
import { prod } from './fixtures/environments';
import { SynthJson, synthCluster, synthPlatform } from './helpers';

const available = engineAvailable();
if (!available && process.env.CI) throw new Error(`the engine check needs OpenTofu (${tofuBinary()}); .ci/run builds it into .cache/bin`);
const describeEngine = available ? describe : describe.skip;
if (!available) test.skip(`engine tests skipped: no OpenTofu at ${tofuBinary()} (.ci/run builds it; or set TOFU_BIN)`, () => undefined);

const platform = available ? synthPlatform(prod) : undefined;
const cluster = available ? synthCluster(prod).parsed : undefined;

function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

type Lifecycle = { precondition?: { condition: string; error_message: string }[]; replace_triggered_by?: string[] };

function findLifecycle(json: SynthJson, key: keyof Lifecycle): Lifecycle {
  for (const byName of Object.values(json.resource)) {
    for (const resource of Object.values(byName)) {
      const lifecycle = resource.lifecycle as Lifecycle | undefined;
      if (lifecycle?.[key]) return lifecycle;
    }
  }
  throw new Error(`no resource with lifecycle.${key}`);
}

describeEngine('OpenTofu loads what we synthesize', () => {
  test('the prod platform stack (placeholder guard, MySQL user Job, overlays) loads', () => {
    const result = loadInEngine('prod-platform', platform!.parsed as unknown as Record<string, unknown>);
    expect(result.output).toContain('Providers required by configuration');
    expect(result.ok).toBe(true);
  });

  test('the prod cluster stack loads', () => {
    const result = loadInEngine('prod-cluster', cluster as unknown as Record<string, unknown>);
    expect(result.ok).toBe(true);
  });

  test('a precondition that refers to nothing is refused (broken fixture)', () => {
    const broken = copy(cluster!);
    findLifecycle(broken, 'precondition').precondition![0].condition = '${false}';
    const result = loadInEngine('broken-precondition', broken as unknown as Record<string, unknown>);
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/Invalid (precondition|condition) expression/);
  });

  test('`${…}` in replace_triggered_by is refused (broken fixture)', () => {
    const broken = copy(platform!.parsed);
    const lifecycle = findLifecycle(broken, 'replace_triggered_by');
    lifecycle.replace_triggered_by = lifecycle.replace_triggered_by!.map((r) => `\${${r}}`);
    const result = loadInEngine('broken-replace-triggered-by', broken as unknown as Record<string, unknown>);
    expect(result.ok).toBe(false);
    expect(result.output).toContain('replace_triggered_by');
  });
});
