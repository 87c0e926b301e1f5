import { main } from './main';
import { processIo } from './io';

main(process.argv.slice(2), processIo()).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`pgshift: ${(e as Error)?.message ?? e}\n`);
    process.exitCode = 1;
  },
);
