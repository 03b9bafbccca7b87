/** The fuzz tests' mutations (fixtures/mutations.ts) and what every fuzz input must end in. */
import { expect } from 'vitest';
import { MigtraceError } from '../../src/errors.js';

export * from './fixtures/mutations.js';

/** An error a fuzz input may end in: ours, one line, no stack, no private snapshot path. */
export function expectClean(err: unknown, context: string): MigtraceError {
  if (!(err instanceof MigtraceError)) {
    throw new Error(`${context}: raw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}\n${err instanceof Error ? err.stack : ''}`);
  }
  expect(err.message, context).not.toContain('\n');
  expect(err.message, context).not.toMatch(/migtrace-read-|\bat .*\.(js|ts):\d+/);
  expect(err.message.length, context).toBeGreaterThan(0);
  return err;
}
