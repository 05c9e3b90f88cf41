/**
 * The types of an environment file, inferred from the schema (`./schema`): one
 * declaration per setting gives its type, default, range, description and error
 * message. `environments/<name>.ts` exports one `EnvironmentConfig`; it is the only
 * place a platform team edits to change an environment.
 */
import type { EnvironmentConfig } from './schema';

export type { EnvironmentConfig, ComponentName } from './schema';

/** How strict the rules are: `prod` forbids spot GPUs and the Free tier unless allowed explicitly. */
export type Stage = EnvironmentConfig['stage'];
/** A prerequisite installed by this project, by someone else (`external`), or not at all. */
export type PrerequisiteSource = NonNullable<NonNullable<NonNullable<EnvironmentConfig['platform']>['components']>['certManager']>;
export type GpuPoolConfig = NonNullable<EnvironmentConfig['gpuPools']>[number];
export type ProfileConfig = NonNullable<EnvironmentConfig['profiles']>[number];
export type DataStoresConfig = NonNullable<EnvironmentConfig['dataStores']>;
