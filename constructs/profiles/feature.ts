import type { PlatformFeature } from '../lib/feature';
import { Profiles } from './profiles';

declare module '../lib/feature' {
  interface FeatureOutputs {
    profiles: Profiles;
  }
}

/** The environment's profiles: namespaces, owners, contributors and quotas. */
export const profilesFeature: PlatformFeature<'profiles'> = {
  name: 'profiles',
  summary: 'profiles (team namespaces, owners, contributors, quotas)',
  doc: 'docs/components/profiles.md',
  after: ['dashboard', 'istio'],
  source: (env) => env.access !== undefined,
  build: (ctx) => new Profiles(ctx.scope, 'profiles', {
    connection: ctx.connection,
    dashboard: ctx.need('dashboard'),
    istio: ctx.prerequisite('istio'),
    profiles: ctx.env.profiles,
  }),
};
