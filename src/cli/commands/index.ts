import type { Command } from '../command';
import { lintCommand } from './lint';
import { rulesCommand } from './rules';

export const commands: Command[] = [lintCommand, rulesCommand];
