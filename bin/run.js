#!/usr/bin/env node
// migtrace CLI entry point (oclif). Commands live in dist/src/commands, built by `npm run build`.
import { execute } from '@oclif/core';

await execute({ dir: import.meta.url });
