import type { ResolvedEnvironment } from '../../environments';
import type { PlatformFeature } from '../lib/feature';
import { AzureMysqlAccess, MysqlConsumerName } from './azure-mysql';
import { MYSQL_ADMIN_LOGIN, MYSQL_ADMIN_SECRET_NAME, MysqlServer } from './mysql-server';

declare module '../lib/feature' {
  interface FeatureOutputs {
    mysql: AzureMysqlAccess;
  }
  interface ClusterParts {
    /** The Azure MySQL server, with `dataStores.mysql: 'azure'`. */
    readonly mysql?: MysqlServer;
  }
}

/** The applications that keep their data in MySQL, as the environment installs them. */
function consumers(env: ResolvedEnvironment): MysqlConsumerName[] {
  const c = env.platform.components;
  return [...(c.pipelines ? ['pipelines', 'metadata'] as const : []), ...(c.katib ? ['katib'] as const : [])];
}

/** Users and CA bundle for the environment's Azure MySQL server, one database user per consumer. */
export const mysqlFeature: PlatformFeature<'mysql'> = {
  name: 'mysql',
  summary: 'database users on the Azure MySQL server (a Job)',
  doc: 'docs/components/data-stores.md',
  after: ['namespaces'],
  source: (env) => env.dataStores.mysql.kind === 'azure' && consumers(env).length > 0,
  build: (ctx) => {
    const server = ctx.clusterPart('mysql');
    return new AzureMysqlAccess(ctx.scope, 'azure-mysql', {
      host: server.server.fqdn,
      adminLogin: MYSQL_ADMIN_LOGIN,
      adminPassword: { keyVaultId: server.keyVault.id, secretName: MYSQL_ADMIN_SECRET_NAME },
      consumers: consumers(ctx.env),
      dependsOn: ctx.need('namespaces').ready,
      kubernetes: ctx.connection.kubernetes,
      helm: ctx.connection.helm,
      random: ctx.connection.random,
    });
  },
};
