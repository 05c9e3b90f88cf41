import { ITerraformDependable, TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { KUSTOMIZE_PATHS } from '../../catalog/versions';
import { ObjectRelease, UpstreamBundle } from '../lib/manifest-bundle';

/** Label prefix of the Kubeflow cluster roles the profile controller binds (`kubeflow-admin/edit/view`). */
const AGGREGATE_TO = 'rbac.authorization.kubeflow.org/aggregate-to-kubeflow';

const READ = ['get', 'list', 'watch'];
const WRITE = [...READ, 'create', 'delete', 'deletecollection', 'patch', 'update'];

/** Custom resources of one API group that profile members work with. */
export interface ProfileResources {
  readonly apiGroup: string;
  /** Plural resource names, e.g. `sparkapplications`. */
  readonly resources: readonly string[];
}

/**
 * Two ClusterRoles that give profile members rights on an application's
 * custom resources: `kubeflow-<app>-edit` (aggregated into `kubeflow-edit` and
 * `kubeflow-admin`) and `kubeflow-<app>-view` (into `kubeflow-view`). Without
 * them the profile controller's bindings grant nothing on the resources.
 */
export function profileAccessRoles(app: string, grants: readonly ProfileResources[]): object[] {
  const rules = (verbs: string[]) => grants.flatMap((g) => [
    { apiGroups: [g.apiGroup], resources: [...g.resources], verbs },
    { apiGroups: [g.apiGroup], resources: g.resources.map((r) => `${r}/status`), verbs: ['get'] },
  ]);
  const role = (suffix: string, labels: Record<string, string>, verbs: string[]) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: `kubeflow-${app}-${suffix}`, labels },
    rules: rules(verbs),
  });
  return [
    role('edit', { [`${AGGREGATE_TO}-edit`]: 'true', [`${AGGREGATE_TO}-admin`]: 'true' }, WRITE),
    role('view', { [`${AGGREGATE_TO}-view`]: 'true' }, READ),
  ];
}

export interface ProfileAccessRolesReleaseProps {
  readonly releaseName: string;
  readonly namespace: string;
  readonly app: string;
  readonly grants: readonly ProfileResources[];
  /** @default [] */
  readonly dependsOn?: readonly ITerraformDependable[];
  readonly provider?: TerraformProvider;
}

/** `profileAccessRoles` as a release of the bundle chart. */
export class ProfileAccessRoles extends Construct {
  public readonly release: ObjectRelease;

  constructor(scope: Construct, id: string, props: ProfileAccessRolesReleaseProps) {
    super(scope, id);
    this.release = new ObjectRelease(this, 'roles', {
      releaseName: props.releaseName,
      namespace: props.namespace,
      manifests: profileAccessRoles(props.app, props.grants),
      dependsOn: props.dependsOn,
      provider: props.provider,
    });
  }
}

export interface KubeflowClusterRolesProps {
  /** Where the release is recorded: the `kubeflow` namespace must exist. */
  readonly dependsOn: readonly ITerraformDependable[];
  readonly kustomizationProvider: TerraformProvider;
  readonly helmProvider: TerraformProvider;
}

/**
 * The Kubeflow cluster roles (`kubeflow-admin/edit/view` and their aggregation
 * targets) from the distribution's `common/kubeflow-roles/base`, on their own,
 * for environments without the access layer: the dashboard brings them
 * otherwise. Every application aggregates its roles into them, and operators
 * bind them by hand when there are no profiles.
 */
export class KubeflowClusterRoles extends Construct {
  public readonly bundle: UpstreamBundle;

  constructor(scope: Construct, id: string, props: KubeflowClusterRolesProps) {
    super(scope, id);
    this.bundle = new UpstreamBundle(this, 'bundle', {
      name: 'kubeflow-roles',
      namespace: 'kubeflow',
      paths: [KUSTOMIZE_PATHS.kubeflowRoles],
      withCrdRelease: false,
      dependsOn: props.dependsOn,
      kustomizationProvider: props.kustomizationProvider,
      helmProvider: props.helmProvider,
    });
  }
}
