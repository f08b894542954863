// Who runs, and which run made a revision: the lock holder's name and the run
// id every helm revision helm-cascade makes carries in its description.
import { randomBytes } from 'node:crypto';
import { hostname, userInfo } from 'node:os';

const RUN_DESCRIPTION_PREFIX = 'helm-cascade run ';

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

/** The description of a revision made by run `runId` in wave `wave`. */
export function runDescription(runId: string, wave: string): string {
  return `${RUN_DESCRIPTION_PREFIX}${runId} wave ${wave}`;
}

/** The run id of a revision helm-cascade made, from its helm description; undefined for any other. */
export function runIdOf(description: string | undefined): string | undefined {
  if (!description?.startsWith(RUN_DESCRIPTION_PREFIX)) return undefined;
  return description.slice(RUN_DESCRIPTION_PREFIX.length).split(' ')[0];
}
