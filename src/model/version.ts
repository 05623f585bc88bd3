/**
 * Tool versions as dotted numbers: `2.45`, `3.4.0`, `1.3.19`. Each part is read as a decimal
 * number from its start (`2.46dev` → 2, 46); a missing or non-numeric part counts as 0.
 */

function parts(version: string): number[] {
  return version.split('.').map((p) => Number.parseInt(p, 10) || 0)
}

/** < 0 when a is older than b, 0 when they are the same version, > 0 when a is newer */
export function compareVersions(a: string, b: string): number {
  const pa = parts(a)
  const pb = parts(b)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}

/** `v` is `min` or newer */
export function versionAtLeast(v: string, min: string): boolean {
  return compareVersions(v, min) >= 0
}
