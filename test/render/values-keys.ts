import { RenderedRelease, helmTemplate } from '../../scripts/render/render';

/** Dotted paths of the leaves of a values object (lists count as leaves). */
export function leafPaths(values: Record<string, unknown>, prefix: string[] = []): string[][] {
  return Object.entries(values).flatMap(([key, value]) => (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length > 0
    ? leafPaths(value as Record<string, unknown>, [...prefix, key])
    : [[...prefix, key]]));
}

/** A copy of `values` without the leaf at `path` (and without parents left empty). */
export function withoutPath(values: Record<string, unknown>, path: string[]): Record<string, unknown> {
  const [head, ...rest] = path;
  const copy: Record<string, unknown> = { ...values };
  if (rest.length === 0) delete copy[head];
  else {
    const inner = withoutPath(copy[head] as Record<string, unknown>, rest);
    if (Object.keys(inner).length === 0) delete copy[head];
    else copy[head] = inner;
  }
  return copy;
}

/**
 * The value keys of a published-chart release whose removal leaves the
 * rendered manifest unchanged: they do nothing (a default restated, a key the
 * chart does not read, a typo) and are bugs or leftovers.
 */
export function ineffectiveKeys(release: RenderedRelease, kubeVersion: string): string[] {
  const baseline = helmTemplate(release.chartPath, release.name, release.namespace, release.values, kubeVersion);
  return leafPaths(release.values)
    .filter((path) => helmTemplate(release.chartPath, release.name, release.namespace, withoutPath(release.values, path), kubeVersion) === baseline)
    .map((path) => path.join('.'));
}
