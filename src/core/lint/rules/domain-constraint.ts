import { as, stringList } from '../ast';
import type { Rule, RuleMeta } from '../types';
import { notValidFix } from './_constraints';

export const meta: RuleMeta = {
  id: 'domain-constraint',
  description:
    'ALTER DOMAIN ... ADD CONSTRAINT / SET NOT NULL scans every column of the domain while blocking writes to their tables',
  defaultSeverity: 'warning',
  category: 'locking',
  fixable: 'suggestion',
  kinds: ['AlterDomainStmt'],
};

export const check: Rule['check'] = (stmt, ctx) => {
  const alter = as(stmt.node, 'AlterDomainStmt')!;
  const names = stringList(alter.typeName);
  const domain = names.join('.');
  // A domain created earlier in this migration is used only by columns this migration added.
  if (!domain || ctx.createdInFile('type', names[names.length - 1], stmt.index)) return;
  const con = as(alter.def, 'Constraint');
  const notNull = alter.subtype === 'O' || (alter.subtype === 'C' && con?.contype === 'CONSTR_NOTNULL');
  const check = alter.subtype === 'C' && con?.contype === 'CONSTR_CHECK' && !con.skip_validation;
  if (!notNull && !check) return;

  const what = notNull
    ? alter.subtype === 'O'
      ? `ALTER DOMAIN ${domain} SET NOT NULL`
      : `ALTER DOMAIN ${domain} ADD NOT NULL`
    : `ALTER DOMAIN ${domain} ADD CONSTRAINT${con?.conname ? ` ${con.conname}` : ''} CHECK without NOT VALID`;
  const conName = con?.conname ?? `${names[names.length - 1]}_check`;
  const help = [
    `**Lock:** SHARE on every table with a column of type \`${domain}\` (or of a domain over it), held while PostgreSQL reads all their rows — INSERT, UPDATE and DELETE on those tables wait until the scan of all of them finishes (reads continue). In a migration transaction the locks stay until it commits.`,
    '',
  ];
  if (check) {
    help.push(
      '**Safer way:** add the constraint `NOT VALID` — it then checks new values at once and locks no table — and validate the existing values in a later migration, in its own short transaction, at a quiet time:',
      '```sql',
      `ALTER DOMAIN ${domain} ADD CONSTRAINT ${conName} CHECK (...) NOT VALID;`,
      '-- next migration:',
      `ALTER DOMAIN ${domain} VALIDATE CONSTRAINT ${conName};`,
      '```',
      'Unlike `ALTER TABLE ... VALIDATE CONSTRAINT`, validating a domain constraint still takes SHARE on each table (writes wait while it scans), so keep that migration alone and run it off-peak.',
    );
  } else {
    help.push(
      '**No NOT VALID form:** a domain NOT NULL cannot be added `NOT VALID`. Run it alone at a quiet time, or use `CHECK (VALUE IS NOT NULL)` added `NOT VALID` and validated later.',
    );
  }
  ctx.report({
    range: check && con ? ctx.rangeAt(stmt, con.location) : stmt.range,
    message: `${what} checks every existing value of the domain, holding a SHARE lock on each table that uses it: writes to those tables wait until the scan finishes`,
    help: help.join('\n'),
    // the constraint ends the statement
    suggestions: check && stmt.origin === 'top' ? [notValidFix(stmt.range)] : undefined,
  });
};
