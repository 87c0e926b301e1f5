import type { Command } from '../command';
import { lintCommand } from './lint';
import { newCommand } from './new';
import { rulesCommand } from './rules';

export const commands: Command[] = [lintCommand, rulesCommand, newCommand];
