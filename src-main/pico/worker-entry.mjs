// Worker threads start from JavaScript: register tsx, then run the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./board-worker.ts');
