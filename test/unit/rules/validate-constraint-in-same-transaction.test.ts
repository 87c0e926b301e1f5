import { ruleCases } from '../helpers/rule-cases';

const addCheck = 'ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0) NOT VALID;';
const validateCheck = 'ALTER TABLE orders VALIDATE CONSTRAINT orders_total_check;';
const addFk =
  'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;';
const validateFk = 'ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;';

ruleCases('validate-constraint-in-same-transaction', {
  valid: [
    { sql: validateCheck, why: 'the ADD was in an earlier migration' },
    {
      sql: `-- pgshift:no-transaction\n${addCheck}\n${validateCheck}`,
      why: 'no-transaction file: each statement commits on its own',
    },
    {
      sql: `${addCheck}\n${validateCheck}`,
      options: { transactionMode: 'none' },
      why: 'runner does not wrap the file',
    },
    { sql: `BEGIN;\n${addFk}\nCOMMIT;\nBEGIN;\n${validateFk}\nCOMMIT;`, why: 'separate BEGIN/COMMIT blocks' },
    { sql: `BEGIN;\n${addFk}\nCOMMIT;\n${validateFk}`, why: 'VALIDATE in autocommit after the COMMIT' },
    {
      sql: `${addCheck}\nALTER TABLE orders VALIDATE CONSTRAINT other_check;`,
      why: 'a different constraint',
    },
    {
      sql: `${addCheck}\nALTER TABLE invoices VALIDATE CONSTRAINT orders_total_check;`,
      why: 'same name on another table',
    },
    {
      sql: `CREATE TABLE orders (total int);\n${addCheck}\n${validateCheck}`,
      why: 'table created in the same file: nobody else sees it yet',
    },
  ],
  invalid: [
    {
      sql: `${addCheck}\n${validateCheck}`,
      count: 1,
      message:
        /VALIDATE CONSTRAINT orders_total_check runs in the same transaction that added it NOT VALID, so it scans orders while still holding ACCESS EXCLUSIVE on orders: reads and writes on orders wait/,
      flagged: 'VALIDATE CONSTRAINT orders_total_check',
    },
    {
      sql: `BEGIN;\n${addFk}\n${validateFk}\nCOMMIT;`,
      count: 1,
      message: /holding SHARE ROW EXCLUSIVE on orders and users: writes to orders and users wait/,
      why: 'explicit transaction block',
    },
    {
      sql: `-- pgshift:no-transaction\nBEGIN;\n${addFk}\n${validateFk}\nCOMMIT;`,
      count: 1,
      why: 'no-transaction file that opens its own transaction',
    },
    {
      sql: 'ALTER TABLE orders ADD COLUMN n int, ADD CONSTRAINT fk FOREIGN KEY (n) REFERENCES nodes NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT fk;',
      message:
        /ACCESS EXCLUSIVE on orders and SHARE ROW EXCLUSIVE on nodes: reads and writes on orders and writes to nodes wait/,
      why: 'the ADD statement had other subcommands: ACCESS EXCLUSIVE',
    },
    {
      sql: 'ALTER TABLE orders ADD CONSTRAINT "Total ok" CHECK (total >= 0) NOT VALID;\nSELECT 1;\nALTER TABLE orders VALIDATE CONSTRAINT "Total ok";',
      flagged: 'VALIDATE CONSTRAINT "Total ok"',
    },
    {
      sql: 'ALTER TABLE orders ADD CONSTRAINT n NOT NULL total NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT n;',
      options: { postgresVersion: 18 },
      why: 'PG 18 NOT NULL ... NOT VALID',
    },
    {
      sql: `DO $$ BEGIN ${addCheck} ${validateCheck} END $$;`,
      count: 1,
      why: 'a DO block is one transaction',
    },
    {
      sql: `ALTER TABLE é ADD CONSTRAINT ç CHECK (a > 0) NOT VALID;\nALTER TABLE é VALIDATE CONSTRAINT ç;`,
      flagged: 'VALIDATE CONSTRAINT ç',
      why: 'non-ASCII identifiers: byte ranges',
    },
  ],
});
