import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { join, resolve } from "node:path";

/** Journal directories open in this process (two gateways in one process must not share one). */
const held = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Takes a journal directory for this process: a LOCK file with the owner's pid. A lock left by a
 * process that is gone (a crash, `kill -9`) — or by an earlier life of this pid, as in a restarted
 * container — is taken over; a live owner is an error. Returns the release function.
 */
export function lockDir(dir: string): () => void {
  const key = resolve(dir);
  if (held.has(key)) throw new Error(`usage journal ${dir} is already open in this process`);
  const path = join(dir, "LOCK");
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 0) throw err;
      const owner = Number(readFileSync(path, "utf8").trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
        throw new Error(
          `usage journal ${dir} is in use by process ${owner}; give each gateway its own usage.journal.dir`,
        );
      }
      unlinkSync(path);
    }
  }
  held.add(key);
  return () => {
    held.delete(key);
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  };
}
