/** Locks across processes on the file backend (the suite is in `lock-processes.ts`). */
import { FileQueue } from 'huey/backends/file';
import { scratchDir } from './helpers.js';
import { lockProcesses } from './lock-processes.js';

lockProcesses(async () => {
  const dir = await scratchDir('huey-locks-');
  return { name: 'file', connection: { path: dir.path }, queue: (name) => new FileQueue(name, { path: dir.path }), cleanup: dir.remove };
});
