#!/usr/bin/env node
// The `lake` command: the compiled build in dist/ when it is current (it starts in a fraction of the
// time), else the TypeScript sources through tsx (infra/dist.js decides).
require('../infra/dist.js').entry('cli/main').then((file) => require(file).runCli());
