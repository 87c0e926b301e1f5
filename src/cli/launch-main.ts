// dist/cli.js: starts the bundle, dist/cli-main.js, through the code cache (see launch.ts).
import { join } from 'node:path';
import { launch, userCacheDir } from './launch';
import { flagsOf } from './v8-flags';

launch(join(__dirname, 'cli-main.js'), userCacheDir(), process.argv[2], flagsOf(process.argv[2]));
