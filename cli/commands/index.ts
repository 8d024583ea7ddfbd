// Every `lake` subcommand, listed once. Add a command by writing its file here and adding it below.
import type { Command } from '../command';
import { command as crawl } from './crawl';
import { command as describe } from './describe';
import { command as history } from './history';
import { command as diff } from './diff';
import { command as volumes } from './volumes';
import { command as search } from './search';
import { command as column } from './column';
import { command as infer } from './infer';
import { command as schedules } from './schedules';
import { command as source } from './source';
import { command as table } from './table';
import { command as access } from './access';
import { command as users } from './users';
import { command as serve } from './serve';

export const commands: Command[] = [source, crawl, schedules, describe, history, diff, volumes, search, column, access, users, table, infer, serve];
