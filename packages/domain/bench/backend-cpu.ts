import { readFileSync } from "node:fs";

/**
 * Summed CPU time (ms) of the PostgreSQL backends serving the current database, read from /proc;
 * null when the server is not local. `pids` runs the query on the caller's connection.
 */
export async function backendCpuMs(pids: () => Promise<number[]>): Promise<number | null> {
  try {
    const tick = 1000 / 100; // USER_HZ
    let total = 0;
    let seen = 0;
    for (const pid of await pids()) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        total += (Number(fields[11]) + Number(fields[12])) * tick; // utime + stime
        seen++;
      } catch {
        // a backend that ended meanwhile
      }
    }
    return seen > 0 ? total : null;
  } catch {
    return null;
  }
}

export const BACKEND_PIDS_SQL =
  "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'";
