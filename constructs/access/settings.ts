import { z } from 'zod';
import { DNS_NAME, EMAIL, RESOURCE_GROUP, UUID, bool, guidList, object, oneOf, text, variants } from '../../environments/schema/kit';

/** Sign-in with Entra ID, TLS and the gateway's host: `access`. */

export const accessSettings = object({
  host: text(DNS_NAME, 'accepted: a DNS name in lowercase, such as "kubeflow.dev.example.com" (no scheme, port, path or wildcard)')
    .meta({ description: 'Hostname of the platform; users sign in at `https://<host>/`. Unique across environments.' }),
  application: variants('mode', [
    object({
      mode: z.literal('create'),
      displayName: text(/^.{1,120}$/, 'accepted: 1 to 120 characters').optional().meta({ description: 'Display name of the app registration.', defaultText: '`\'Kubeflow <env>\'`' }),
    }).meta({ description: 'Created and managed by the cluster stack.' }),
    object({
      mode: z.literal('existing'),
      clientId: text(UUID, 'accepted: the application (client) id of the existing app registration, a GUID').meta({ description: 'Application (client) id.' }),
    }).meta({ description: 'Registered by someone else; the cluster stack adds only the federated credential.' }),
  ]).meta({ description: 'The Entra ID application users sign in with: `{ mode: \'create\' }` or `{ mode: \'existing\', clientId }`.' }),
  allowedGroupObjectIds: guidList('accepted: an Entra ID group object id (GUID)')
    .refine((ids) => ids.length > 0, { error: 'at least one Entra ID group: the application requires assignment, so nobody else can sign in' })
    .meta({ description: 'Entra ID groups whose members may sign in. At least one.' }),
  tls: variants('mode', [
    object({
      mode: z.literal('acme'),
      email: text(EMAIL, 'accepted: an email address for the ACME account').meta({ description: 'Contact address of the ACME account.' }),
      dnsZone: object({
        name: text(DNS_NAME, 'accepted: the Azure DNS zone name, e.g. "example.com"').meta({ description: 'The Azure DNS zone that holds `host`.' }),
        resourceGroupName: text(RESOURCE_GROUP, 'accepted: a resource group name').meta({ description: 'Its resource group.' }),
        subscriptionId: text(UUID, 'accepted: a subscription id (GUID)').meta({ description: 'Its subscription.' }),
      }).meta({ description: 'The DNS zone of the DNS-01 challenge.' }),
      server: oneOf(['production', 'staging']).default('production').meta({ description: 'Let\'s Encrypt server.' }),
    }).meta({ description: 'cert-manager requests the certificate from Let\'s Encrypt (DNS-01 in Azure DNS, workload identity).' }),
    object({
      mode: z.literal('provided'),
      secretName: text(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'accepted: the name of a kubernetes.io/tls Secret in istio-system (lowercase letters, digits, - and .)').meta({ description: 'The Secret in `istio-system`.' }),
    }).meta({ description: 'A certificate you manage, as a `kubernetes.io/tls` Secret.' }),
  ]).meta({ description: 'Where the gateway\'s TLS certificate comes from: `acme` or `provided`.' }),
  machineToMachine: bool().default(false).meta({ description: 'Let CI call the platform with service-account tokens of the cluster\'s OIDC issuer.' }),
  machineToMachineAudience: text(/^[A-Za-z0-9][A-Za-z0-9:/._-]{0,127}$/, 'accepted: 1 to 128 letters, digits and : / . _ -').default('kubeflow').meta({ description: 'Audience such tokens must carry.' }),
}).optional().meta({ description: 'Sign-in with Entra ID, TLS and the dashboard.', defaultText: 'none: no user-facing access layer' });
