// A board's worker thread when running from source (tests, tsx, the CLI): worker threads start
// from JavaScript, so this registers tsx and runs the TypeScript worker. The app starts the bundled
// dist/worker/board-worker.mjs instead, which needs neither (resources/resource-paths.ts).
import { register } from 'tsx/esm/api';

register();
await import('./board-worker.ts');
