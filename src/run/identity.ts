// Who runs: the lock holder's name and the run id (every helm revision
// helm-cascade makes carries it in its description: model/release.ts).
import { randomBytes } from 'node:crypto';
import { hostname, userInfo } from 'node:os';

/** Who holds the locks: $BUILD_TAG in Jenkins, else user@host. */
export function lockHolder(): string {
  if (process.env.BUILD_TAG) return process.env.BUILD_TAG;
  let user = process.env.USER ?? 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (containers): keep $USER
  }
  return `${user}@${hostname()}`;
}

/** A run id that sorts by time and is unique (a random suffix: two runs in one second differ); stored in each helm revision's description. */
export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
}
