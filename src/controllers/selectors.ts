/** Equality-based selectors (service and RC `spec.selector` maps), as kube's labels.SelectorFromSet. */
export function selectorMatches(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  const entries = Object.entries(selector);
  if (entries.length === 0) return false;
  return entries.every(([k, v]) => labels?.[k] === v);
}

/** The labelSelector query string for a selector map. */
export function selectorString(selector: Record<string, string>): string {
  return Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
