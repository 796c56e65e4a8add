/**
 * Jest `setupFilesAfterEnv`: a test whose app (built through `withOpenApiCheck`, as
 * createHarness does) sent a reply the OpenAPI document does not describe fails, with the
 * endpoint, status, what is wrong (Ajv's errors) and a body preview. Replies recorded in a
 * `beforeAll` fail the file's first test; any still unreported at the end fail the file.
 */
import { afterAll, afterEach } from '@jest/globals';
import { takeOpenApiViolations } from './openapi-recorder.js';

const LIMIT = 25;

async function failOnViolations(): Promise<void> {
  // A reply's 'finish' fires before its client resolves; one turn of the loop covers stragglers.
  await new Promise((resolve) => setImmediate(resolve));
  const found = takeOpenApiViolations();
  if (found.length === 0) return;
  const shown = found.slice(0, LIMIT).map((v) => `  - ${v}`);
  if (found.length > LIMIT) shown.push(`  … and ${found.length - LIMIT} more`);
  throw new Error(`${found.length} repl${found.length === 1 ? 'y does' : 'ies do'} not match the OpenAPI document (GET /openapi.json):\n${shown.join('\n')}`);
}

afterEach(failOnViolations);
afterAll(failOnViolations);
