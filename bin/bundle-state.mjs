// Whether a bundle that `npm run build` wrote (packages/*/dist/bundle) still matches the files it
// was built from, which a bare `tsc -b` changes. Used by bin/signaling and bin/proxy to choose
// what to run, by the release script before it ships a bundle, and by the bench to say what ran.
import { readFileSync, statSync } from 'node:fs';

/**
 * The first input of the bundle in `bundleDir` that changed since it was built (a path relative
 * to `root`), 'missing' when there is no bundle, or undefined when the bundle is current.
 * Plain paths on purpose: a URL per file would make Node's URL-to-path code hot enough to be
 * optimized, which alone maps in 3 MiB of V8's optimizing compiler.
 */
export function staleBundleInput(root, bundleDir) {
  let inputs;
  try {
    ({ inputs } = JSON.parse(readFileSync(`${bundleDir}/inputs.json`, 'utf8')));
  } catch {
    return 'missing';
  }
  if (!Array.isArray(inputs) || inputs.length === 0) {
    return 'missing';
  }
  for (const { path, size, mtimeMs } of inputs) {
    try {
      const stat = statSync(root + path);
      if (stat.size !== size || stat.mtimeMs !== mtimeMs) {
        return path;
      }
    } catch {
      return path;
    }
  }
  return undefined;
}
