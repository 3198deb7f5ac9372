// Copies the non-TypeScript files the compiled server needs (SQL migrations, static assets) into dist/.
import { cpSync, existsSync } from 'node:fs';

for (const [from, to] of [
  ['src/db/migrations', 'dist/src/db/migrations'],
  ['src/static', 'dist/src/static'],
]) {
  if (existsSync(from)) cpSync(from, to, { recursive: true });
}
