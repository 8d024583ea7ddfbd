#!/usr/bin/env node
// The `lake` command: TypeScript run through tsx, no build step.
require('tsx/cjs');
require('./main.ts').runCli();
