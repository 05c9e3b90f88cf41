import { parse } from 'yaml';
import { KFP_WORKFLOW_DEFAULTS, argoWorkflowsPatches, workflowDefaultsDocument } from '../constructs/pipelines/pipelines-argo';
import { ComponentError } from '../constructs/lib/prerequisites';

/**
 * Argo's defaults for Pipelines runs: KFP 2.17.0's values unless the
 * construct is told otherwise, and a clear error for values Argo cannot take.
 */
describe('workflowDefaults', () => {
  const defaultsPatch = (patches: ReturnType<typeof argoWorkflowsPatches>) => {
    const cm = patches.find((p) => p.target?.kind === 'ConfigMap')!;
    expect(cm.target).toEqual({ version: 'v1', kind: 'ConfigMap', name: 'workflow-controller-configmap' });
    return parse((JSON.parse(cm.patch) as { data: { workflowDefaults: string } }).data.workflowDefaults) as { spec: Record<string, unknown> };
  };

  test('by default KFP 2.17.0\'s: finished runs deleted after an hour, two retries on errors outside the step', () => {
    expect(KFP_WORKFLOW_DEFAULTS).toEqual({ deleteFinishedAfterSeconds: 3600, retryLimit: 2 });
    expect(defaultsPatch(argoWorkflowsPatches())).toEqual({
      spec: {
        ttlStrategy: { secondsAfterCompletion: 3600, secondsAfterSuccess: 3600, secondsAfterFailure: 3600 },
        templateDefaults: { retryStrategy: { limit: '2', retryPolicy: 'OnError' } },
      },
    });
  });

  test('a week of finished runs, no retries', () => {
    expect(defaultsPatch(argoWorkflowsPatches({ deleteFinishedAfterSeconds: 7 * 24 * 3600, retryLimit: 0 }))).toEqual({
      spec: { ttlStrategy: { secondsAfterCompletion: 604800, secondsAfterSuccess: 604800, secondsAfterFailure: 604800 } },
    });
  });

  test.each([
    [{ deleteFinishedAfterSeconds: -1 }, /Pipelines: workflowDefaults\.deleteFinishedAfterSeconds \(-1\) is not a whole number in range\. Fix: give a whole number from 0 to 31536000/],
    [{ deleteFinishedAfterSeconds: 1.5 }, /deleteFinishedAfterSeconds \(1\.5\)/],
    [{ retryLimit: 11 }, /Pipelines: workflowDefaults\.retryLimit \(11\) is not a whole number in range\. Fix: give a whole number from 0 to 10/],
  ])('refuses %j', (defaults, message) => {
    expect(() => workflowDefaultsDocument(defaults)).toThrow(ComponentError);
    expect(() => workflowDefaultsDocument(defaults)).toThrow(message);
  });
});
