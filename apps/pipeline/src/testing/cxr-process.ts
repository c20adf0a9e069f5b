// `cxr` as a program, from the sources (for specs that need a real process: signals, two processes
// on one folder). Started by `spawnCxr`; does what bin/cxr.js does with the built files.
import { main } from '../index.js';

process.exitCode = await main(process.argv.slice(2));
