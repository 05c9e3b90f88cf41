import { bool, integer, object } from '../../environments/schema/kit';

/** Minutes of idleness before a notebook is stopped, when the environment does not say (the construct's default too). */
export const DEFAULT_IDLE_MINUTES = 60;

/** Kubeflow Notebooks and idle culling: `notebooks`. */
export const notebooksSettings = object({
  enabled: bool().optional().meta({ description: 'Install Kubeflow Notebooks (needs `access` and Istio).', defaultText: 'true when `access` is set' }),
  idleMinutes: integer(10, 10080).default(DEFAULT_IDLE_MINUTES).meta({ description: 'Stop notebooks idle this long, in minutes.' }),
  culling: bool().default(true).meta({ description: 'Idle culling. Turning it off keeps idle GPU notebooks, and their nodes, running.' }),
}).prefault({}).meta({ description: 'Kubeflow Notebooks.' });
