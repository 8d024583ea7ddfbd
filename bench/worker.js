// Worker thread entry: TypeScript through tsx, like cli/lake.js.
require('tsx/cjs');
require('./worker.ts');
