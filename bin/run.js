#!/usr/bin/env node
// migtrace CLI entry point (oclif). Commands live in dist/src/commands, built by `npm run build`.
// Problems oclif reports before a command runs (no build, an unknown command) get the same
// one-line "migtrace: ..." form and exit status 2 as every other usage error.
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { flush, run } from '@oclif/core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const commandsDir = join(root, 'dist', 'src', 'commands');

function usage(message) {
  process.stderr.write(`migtrace: ${message}\n`);
  process.exit(2);
}

if (!existsSync(commandsDir)) usage('the CLI is not built (no dist/src/commands): run `npm run build` first');

const commands = readdirSync(commandsDir)
  .filter((f) => f.endsWith('.js'))
  .map((f) => f.slice(0, -3))
  .sort();
const argv = process.argv.slice(2);
const first = argv[0];
if (first !== undefined && !first.startsWith('-') && !commands.includes(first)) {
  usage(`unknown command "${first}" (commands: ${commands.join(', ')}; see migtrace help)`);
}

try {
  await run(argv, import.meta.url);
  await flush();
} catch (err) {
  const exit = err?.oclif?.exit;
  if (typeof exit === 'number' && exit !== 0) {
    if (String(err.message).startsWith('EEXIT')) process.exit(exit);
    usage(String(err.message).split('\n').map((l) => l.trim()).filter(Boolean).join('; '));
  }
  if (exit === 0) process.exit(0);
  throw err;
}
