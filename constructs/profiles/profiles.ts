import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { ClusterConnection } from '../lib/cluster-connection';
import { Dashboard } from '../dashboard/dashboard';
import { GATEWAY_PRINCIPAL, PIPELINES_UI_PRINCIPAL } from '../istio/tenant-isolation';
import { USERID_HEADER } from '../access/entra-authentication';
import { Istio } from '../istio/istio';
import { ObjectRelease } from '../lib/manifest-bundle';
import { Prerequisite, isProvidedOutside } from '../lib/prerequisites';

export interface ProfileSpec {
  /** Profile and namespace name. */
  readonly name: string;
  /** The owner's email claim, in lower case (it becomes `kubeflow-userid`, which the gateway lowercases). */
  readonly owner: string;
  readonly contributors?: readonly { readonly email: string; readonly role: 'edit' | 'view' }[];
  readonly quota?: {
    readonly cpu?: string;
    readonly memory?: string;
    readonly storage?: string;
    /** GPUs by model; Kubernetes quota counts them together. */
    readonly gpus?: Readonly<Record<string, number>>;
  };
}

/** Name KFAM gives a contributor's RoleBinding and AuthorizationPolicy. */
export function contributorBindingName(email: string, role: 'edit' | 'view'): string {
  const safe = email.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return `user-${safe}-clusterrole-${role}`.slice(0, 253);
}

/** The Profile object of a profile: owner and resource quota. */
export function profileObject(profile: ProfileSpec): object {
  const hard: Record<string, string> = {};
  if (profile.quota?.cpu) hard['requests.cpu'] = profile.quota.cpu;
  if (profile.quota?.memory) hard['requests.memory'] = profile.quota.memory;
  if (profile.quota?.storage) hard['requests.storage'] = profile.quota.storage;
  if (profile.quota?.gpus) hard['requests.nvidia.com/gpu'] = String(Object.values(profile.quota.gpus).reduce((a, b) => a + b, 0));
  return {
    apiVersion: 'kubeflow.org/v1',
    kind: 'Profile',
    metadata: { name: profile.name },
    spec: {
      owner: { kind: 'User', name: profile.owner },
      ...(Object.keys(hard).length > 0 ? { resourceQuotaSpec: { hard } } : {}),
    },
  };
}

/**
 * What KFAM makes when an owner shares a profile: a RoleBinding to
 * `kubeflow-edit` or `kubeflow-view` and an Istio AuthorizationPolicy that lets
 * the contributor's requests into the namespace: only from the ingress gateway
 * (which sets `kubeflow-userid` from a verified token) and the Pipelines UI
 * server (which forwards it), as the profile controller's owner rule does.
 */
export function contributorObjects(profile: ProfileSpec): object[] {
  return (profile.contributors ?? []).flatMap((c) => {
    const user = c.email;
    const name = contributorBindingName(user, c.role);
    const annotations = { role: c.role, user };
    return [
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name, namespace: profile.name, annotations },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `kubeflow-${c.role}` },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
      },
      {
        apiVersion: 'security.istio.io/v1',
        kind: 'AuthorizationPolicy',
        metadata: { name, namespace: profile.name, annotations },
        spec: {
          action: 'ALLOW',
          rules: [{
            from: [{ source: { principals: [GATEWAY_PRINCIPAL, PIPELINES_UI_PRINCIPAL] } }],
            when: [{ key: `request.headers[${USERID_HEADER}]`, values: [user] }],
          }],
        },
      },
    ];
  });
}

export interface ProfilesProps {
  readonly connection: ClusterConnection;
  /** Brings the Profile CRD and the profile controller. */
  readonly dashboard: Dashboard;
  /** Brings the AuthorizationPolicy CRD of the contributors' policies. */
  readonly istio: Prerequisite<Istio>;
  readonly profiles: readonly ProfileSpec[];
}

/**
 * Profiles as code: each profile's owner, resource quota (GPUs included) and
 * contributors. Each profile's namespace is created here with the `owner`
 * annotation the profile controller checks, so the controller adopts it (and
 * adds its labels) and the contributors' bindings need not wait for it.
 * @see docs/components/profiles.md
 */
export class Profiles extends Construct {
  public readonly namespaces: readonly NamespaceV1[];
  public readonly profilesRelease?: ObjectRelease;
  public readonly contributorsRelease?: ObjectRelease;
  public readonly ready: readonly ITerraformDependable[];

  constructor(scope: Construct, id: string, props: ProfilesProps) {
    super(scope, id);
    this.namespaces = props.profiles.map((profile) => new NamespaceV1(this, `namespace-${profile.name}`, {
      metadata: { name: profile.name, annotations: { owner: profile.owner } },
      // The profile controller owns the labels (istio injection, pod security, profile markers).
      lifecycle: { ignoreChanges: ['metadata[0].labels'] },
      provider: props.connection.kubernetes,
    }));
    if (props.profiles.length === 0) {
      this.ready = [];
      return;
    }
    const crds = props.dashboard.bundle.crds;
    this.profilesRelease = new ObjectRelease(this, 'profiles', {
      releaseName: 'kubeflow-profiles',
      namespace: 'kubeflow',
      manifests: props.profiles.map(profileObject),
      dependsOn: [...(crds ? [crds.release] : props.dashboard.ready), ...this.namespaces],
      provider: props.connection.helm,
    });
    const contributors = props.profiles.flatMap(contributorObjects);
    if (contributors.length > 0) {
      this.contributorsRelease = new ObjectRelease(this, 'contributors', {
        releaseName: 'kubeflow-profile-contributors',
        namespace: 'kubeflow',
        manifests: contributors,
        dependsOn: [...this.namespaces, ...readinessOfCrds(props.istio)],
        provider: props.connection.helm,
      });
    }
    this.ready = [this.profilesRelease.release, ...(this.contributorsRelease ? [this.contributorsRelease.release] : [])];
  }
}

/** Istio's CRDs are in its base release; a cluster-provided Istio brings its own. */
function readinessOfCrds(istio: Prerequisite<Istio>): ITerraformDependable[] {
  return isProvidedOutside(istio) ? [] : [istio.base.release];
}
