// The untrusted-HTML worker when StarPunk runs from its TypeScript sources (tsx, vitest): a worker
// thread starts without the main thread's module loader, so tsx loads worker.ts here. The built
// server (dist/) starts worker.js directly and never loads this file.
import { tsImport } from 'tsx/esm/api';

const worker = await tsImport('./worker.ts', import.meta.url);

export default worker.default;
