/** The state key of one stack: one blob per environment and layer in the environment's container. */
export function stateKey(environment: string, layer: 'cluster' | 'platform'): string {
  return `${environment}/${layer}.tfstate`;
}
