/** The model worker thread's entry: runs one task at a time (`ml-tasks.ts`) and posts tree progress, then the result. */
import { parentPort } from 'node:worker_threads';
import { runMlTask, type MlTask } from './ml-tasks.js';

const port = parentPort!;
port.on('message', (task: MlTask) => {
  try {
    let last = 0;
    const result = runMlTask(task, (done, of) => {
      const now = Date.now();
      if (done === of || now - last >= 250) { last = now; port.postMessage({ progress: { done, of } }); }
    });
    port.postMessage({ result }, 'probabilities' in result ? [result.probabilities.buffer as ArrayBuffer] : []);
  } catch (err) {
    port.postMessage({ error: err instanceof Error ? err.message : String(err) });
  }
});
