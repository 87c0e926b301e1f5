import type { Command } from '../command';
import { lintCommand } from './lint';
import { newCommand } from './new';
import { rulesCommand } from './rules';
import { statusCommand } from './status';
import { upCommand } from './up';
import { downCommand } from './down';
import { redoCommand } from './redo';
import { validateCommand } from './validate';
import { historyCommand } from './history';
import { resolveCommand } from './resolve';
import { reportCommand } from './report';
import { verifyCommand } from './verify';

export const commands: Command[] = [
  lintCommand,
  rulesCommand,
  newCommand,
  statusCommand,
  upCommand,
  downCommand,
  redoCommand,
  validateCommand,
  historyCommand,
  resolveCommand,
  reportCommand,
  verifyCommand,
];
