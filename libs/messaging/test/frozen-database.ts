import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { privateDatabase } from '@keelson/testing';

/** The process listening on a local TCP port, found through /proc (Linux). */
function listenerPid(port: number): number {
  const hexPort = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const [, local, , state, , , , , , inode] = line.trim().split(/\s+/);
      if (local?.endsWith(hexPort) && state === '0A') inodes.add(inode); // 0A: LISTEN
    }
  }
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // another user's process, or gone
    }
    for (const fd of fds) {
      try {
        const socket = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (socket && inodes.has(socket[1])) return Number(pid);
      } catch {
        // the descriptor closed meanwhile
      }
    }
  }
  throw new Error(`no process of ours listens on port ${port}`);
}

/**
 * A private FerretDB that a test can freeze with SIGSTOP: its connections stay open and accept
 * requests that are never answered, which is how a hung database looks to the driver (unlike a
 * stopped one, whose refused connections fail calls at once).
 */
export async function freezableDatabase() {
  const db = await privateDatabase();
  const pid = listenerPid(db.port);
  return {
    ...db,
    freeze: () => process.kill(pid, 'SIGSTOP'),
    /** Safe to call when not frozen; every test's cleanup does. */
    thaw: () => process.kill(pid, 'SIGCONT'),
    async stop() {
      process.kill(pid, 'SIGCONT');
      await db.stop();
    },
  };
}
