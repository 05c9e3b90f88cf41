import { ITerraformDependable, TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { INGRESS_GATEWAY_SERVICE_ACCOUNT } from '../istio/istio';
import { OverlayPatch } from '../lib/kustomize/kustomization-overlay';
import { ObjectRelease } from '../lib/manifest-bundle';

/**
 * Temporary mitigations for Kubeflow Pipelines advisories that the pinned
 * release does not fix. Each is named by an exception in
 * catalog/advisories.json (with an expiry date), and a render rule
 * proves it holds on the rendered objects (test/render/pipelines-advisories.ts).
 * Remove them with the exceptions once a fixed release is pinned.
 *
 * - CVE-2026-88980 / GHSA-v3vh-xv5f-p4p4 and CVE-2026-88981 / GHSA-3pcj-8j5w-jmxq:
 *   the UI server (`ml-pipeline-ui`) fetches artifacts and archived pod logs from
 *   destinations a caller chooses (server-side request forgery, credentials sent
 *   along). Its artifact and pod-log endpoints are refused: at the Kubeflow gateway
 *   by a first route of its VirtualService (case-insensitive: the UI's Express
 *   router ignores case), and for every other caller by a DENY policy that leaves
 *   only the API paths the Pipelines SDK uses. Cost: the UI shows no artifact
 *   previews or downloads and no step logs; use the SDK or `kubectl logs`.
 * - CVE-2026-77596 / GHSA-rjr3-43j3-4q8g: the API server's HTTP upload endpoints
 *   do not authorize shared (namespace-less) pipelines. Every HTTP upload is
 *   refused at the API server's sidecar, for every caller (the gateway, the UI,
 *   in-cluster clients). Pipelines are still created from a URL (UI "Import by
 *   URL", `CreatePipelineAndVersion`) or run directly from a package
 *   (`create_run_from_pipeline_package`); `Client.upload_pipeline` is refused.
 */

/** Label of the Pipelines UI server pods (`app`), as kubeflow/pipelines' manifests set it. */
export const PIPELINES_UI_APP = 'ml-pipeline-ui';
/** Label of the Pipelines API server pods (`app`). */
export const PIPELINES_API_APP = 'ml-pipeline';

/**
 * Paths of the UI server that reach the artifact and pod-log handlers through the
 * gateway (under its `/pipeline` base path), as an RE2 pattern Envoy matches against
 * the whole path (query removed): every letter case, repeated slashes.
 */
export const UI_REFUSED_PATH_REGEX = '(?i)/+pipeline/+(artifacts|k8s/+pod/+logs).*';

/** The only UI server paths callers other than the gateway may use: the API the Pipelines SDK calls. */
export const UI_IN_MESH_PATHS = ['/apis/v1beta1/*', '/apis/v2beta1/*'] as const;

/** The API server's HTTP upload endpoints (`upload`, `upload_version`; its router is case-sensitive). */
export const API_UPLOAD_PATHS = ['/apis/v1beta1/pipelines/upload*', '/apis/v2beta1/pipelines/upload*'] as const;

const GATEWAY_PRINCIPAL = `cluster.local/ns/istio-system/sa/${INGRESS_GATEWAY_SERVICE_ACCOUNT}`;

/**
 * Puts a refusing route first in the UI's VirtualService on the Kubeflow gateway
 * (`ml-pipeline-ui`), so it is matched before the `/pipeline` route.
 */
export function uiRefusalRoutePatch(): OverlayPatch {
  const route = {
    name: 'advisory-refusals',
    match: [{ uri: { regex: UI_REFUSED_PATH_REGEX } }],
    directResponse: { status: 403, body: { string: 'Refused while Kubeflow Pipelines advisories CVE-2026-88980 and CVE-2026-88981 are open (see docs/security.md).' } },
  };
  return {
    patch: JSON.stringify([{ op: 'add', path: '/spec/http/0', value: route }]),
    target: { group: 'networking.istio.io', kind: 'VirtualService', name: PIPELINES_UI_APP },
  };
}

/** The two DENY policies (objects of the `pipelines-advisory-mitigations` release). */
export function advisoryPolicies(namespace: string): object[] {
  const policy = (name: string, app: string, rules: object[]) => ({
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name, namespace },
    spec: { selector: { matchLabels: { app } }, action: 'DENY', rules },
  });
  return [
    policy('ml-pipeline-ui-advisory-mitigation', PIPELINES_UI_APP, [{
      from: [{ source: { notPrincipals: [GATEWAY_PRINCIPAL] } }],
      to: [{ operation: { notPaths: [...UI_IN_MESH_PATHS] } }],
    }]),
    policy('ml-pipeline-advisory-mitigation', PIPELINES_API_APP, [{
      to: [{ operation: { paths: [...API_UPLOAD_PATHS] } }],
    }]),
  ];
}

export interface PipelinesAdvisoryMitigationsProps {
  /** Namespace of Kubeflow Pipelines. @default 'kubeflow' */
  readonly namespace?: string;
  /** What the policies wait for: Istio (their CRD) and the namespace. They select Pipelines' pods by label, so they need not wait for Pipelines. */
  readonly dependsOn: readonly ITerraformDependable[];
  /** The cluster's Helm provider. @default - the stack's default `helm` provider */
  readonly provider?: TerraformProvider;
}

/**
 * The DENY policies of the Pipelines advisory mitigations, as one release of
 * the bundle chart. The VirtualService route comes with the Pipelines bundle
 * (`uiRefusalRoutePatch`).
 */
export class PipelinesAdvisoryMitigations extends Construct {
  public readonly release: ObjectRelease;

  constructor(scope: Construct, id: string, props: PipelinesAdvisoryMitigationsProps) {
    super(scope, id);
    const namespace = props.namespace ?? 'kubeflow';
    this.release = new ObjectRelease(this, 'policies', {
      releaseName: 'pipelines-advisory-mitigations',
      namespace,
      manifests: advisoryPolicies(namespace),
      dependsOn: props.dependsOn,
      provider: props.provider,
    });
  }
}
