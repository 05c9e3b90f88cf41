import { AppRoleAssignment } from '@cdktf/provider-azuread/lib/app-role-assignment';
import { Application } from '@cdktf/provider-azuread/lib/application';
import { ApplicationFederatedIdentityCredential } from '@cdktf/provider-azuread/lib/application-federated-identity-credential';
import { DataAzureadApplication } from '@cdktf/provider-azuread/lib/data-azuread-application';
import { DataAzureadServicePrincipal } from '@cdktf/provider-azuread/lib/data-azuread-service-principal';
import { ServicePrincipal } from '@cdktf/provider-azuread/lib/service-principal';
import { Construct } from 'constructs';

/** The app role every assigned user and group gets when an application defines none. */
export const DEFAULT_ACCESS_APP_ROLE_ID = '00000000-0000-0000-0000-000000000000';

/** Audience of tokens exchanged through workload identity federation. */
export const TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';

export interface KubernetesServiceAccountRef {
  readonly namespace: string;
  readonly name: string;
}

export interface EntraApplicationProps {
  readonly environment: string;
  /** Platform hostname: the redirect URI is `https://<host>/oauth2/callback`. */
  readonly host: string;
  /** Create the registration, or use an existing one by client id. */
  readonly application: { readonly mode: 'create'; readonly displayName?: string } | { readonly mode: 'existing'; readonly clientId: string };
  /** Groups assigned to the application: only their members can sign in. */
  readonly allowedGroupObjectIds: readonly string[];
  /** The AKS cluster's OIDC issuer URL. */
  readonly oidcIssuerUrl: string;
  /** The service account oauth2-proxy runs as; it signs in to Entra ID with a federated token, no secret. */
  readonly serviceAccount: KubernetesServiceAccountRef;
}

/**
 * The Entra ID application users sign in to Kubeflow with: web redirect to
 * oauth2-proxy's callback, only assigned groups in the groups claim (keeps
 * tokens small), the email claim in ID tokens, v2 tokens, assignment required,
 * and a federated credential so oauth2-proxy authenticates with its
 * Kubernetes service-account token instead of a client secret.
 * @see https://learn.microsoft.com/entra/identity-platform/reference-app-manifest
 */
export class EntraApplication extends Construct {
  /** Application (client) id: the audience of the ID tokens. */
  public readonly clientId: string;

  constructor(scope: Construct, id: string, props: EntraApplicationProps) {
    super(scope, id);
    let applicationId: string;
    let servicePrincipalObjectId: string;
    if (props.application.mode === 'create') {
      const app = new Application(this, 'application', {
        displayName: props.application.displayName ?? `Kubeflow ${props.environment}`,
        signInAudience: 'AzureADMyOrg',
        preventDuplicateNames: true,
        groupMembershipClaims: ['ApplicationGroup'],
        web: {
          redirectUris: [`https://${props.host}/oauth2/callback`],
          implicitGrant: { accessTokenIssuanceEnabled: false, idTokenIssuanceEnabled: false },
        },
        api: { requestedAccessTokenVersion: 2 },
        optionalClaims: { idToken: [{ name: 'email' }], accessToken: [{ name: 'email' }] },
      });
      const principal = new ServicePrincipal(this, 'service-principal', {
        clientId: app.clientId,
        appRoleAssignmentRequired: true,
      });
      this.clientId = app.clientId;
      applicationId = app.id;
      servicePrincipalObjectId = principal.objectId;
    } else {
      const app = new DataAzureadApplication(this, 'application', { clientId: props.application.clientId });
      const principal = new DataAzureadServicePrincipal(this, 'service-principal', { clientId: props.application.clientId });
      this.clientId = props.application.clientId;
      applicationId = app.id;
      servicePrincipalObjectId = principal.objectId;
    }
    props.allowedGroupObjectIds.forEach((group, i) => {
      new AppRoleAssignment(this, `group-assignment-${i}`, {
        appRoleId: DEFAULT_ACCESS_APP_ROLE_ID,
        principalObjectId: group,
        resourceObjectId: servicePrincipalObjectId,
      });
    });
    new ApplicationFederatedIdentityCredential(this, 'oauth2-proxy-federation', {
      applicationId,
      displayName: `aks-kubeflow-${props.environment}-oauth2-proxy`,
      description: 'oauth2-proxy signs in with its Kubernetes service-account token (workload identity), not a secret.',
      issuer: props.oidcIssuerUrl,
      subject: `system:serviceaccount:${props.serviceAccount.namespace}:${props.serviceAccount.name}`,
      audiences: [TOKEN_EXCHANGE_AUDIENCE],
    });
  }
}
