import { execFileSync, spawnSync } from 'node:child_process';

const LOCAL_ONLY = ['node_modules', 'dist', '.turbo', 'test-results', 'playwright-report', 'data', 'release', '.git'];

/**
 * Copies the repository at `root` into the empty folder `dest` as a fresh checkout would have it: what git tracks,
 * as it stands now (`git stash create` includes uncommitted edits, and is empty on a clean tree). Outside a git
 * checkout (an exported tarball), the files as they are, without installs and build output.
 */
export function cleanCopy(root: string, dest: string): void {
  const stash = spawnSync('git', ['stash', 'create'], { cwd: root, encoding: 'utf8' });
  if (stash.status === 0) {
    const commit = stash.stdout.trim() || 'HEAD';
    execFileSync('sh', ['-c', `git archive --format=tar "${commit}" | tar -x -C "${dest}"`], { cwd: root });
    return;
  }
  const excludes = LOCAL_ONLY.map((name) => `--exclude=${name}`);
  execFileSync('sh', ['-c', `tar -c ${excludes.join(' ')} . | tar -x -C "${dest}"`], { cwd: root });
}
