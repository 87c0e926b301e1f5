import { ruleCases } from '../helpers/rule-cases';

ruleCases('constraint-missing-not-valid', {
  valid: [
    'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;',
    'ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0) NOT VALID;',
    {
      sql: 'ALTER TABLE orders VALIDATE CONSTRAINT orders_total_check;',
      why: 'VALIDATE takes SHARE UPDATE EXCLUSIVE',
    },
    {
      sql: 'CREATE TABLE orders (id bigint, user_id bigint);\nALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);',
      why: 'table created earlier in the same file is empty',
    },
    {
      sql: 'ALTER TABLE orders ADD COLUMN user_id bigint REFERENCES users (id);',
      why: 'a foreign key on a column being added (all NULL) is trusted without a scan',
    },
    {
      sql: 'ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0) NOT ENFORCED;',
      why: 'NOT ENFORCED (PG 18) is never validated',
    },
    {
      sql: 'ALTER TABLE orders ADD CONSTRAINT orders_code_key UNIQUE (code);',
      why: 'UNIQUE has no NOT VALID form: another rule',
    },
    {
      sql: 'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ ALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) $$;',
      why: 'function bodies do not run at migration time',
    },
  ],
  invalid: [
    {
      sql: 'ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0);',
      count: 1,
      message:
        /orders_total_check CHECK without NOT VALID scans every row of orders under an ACCESS EXCLUSIVE lock: reads and writes wait/,
      flagged: 'CONSTRAINT orders_total_check CHECK (total >= 0)',
      output: 'ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0) NOT VALID;',
    },
    {
      sql: 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE;',
      count: 1,
      message: /SHARE ROW EXCLUSIVE locks on both tables: writes to orders and users wait/,
      output:
        'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE NOT VALID;',
    },
    {
      sql: 'ALTER TABLE orders ADD FOREIGN KEY (user_id) REFERENCES users, ADD CHECK (total > 0) /* why */ , DROP COLUMN legacy;',
      count: 2,
      output:
        'ALTER TABLE orders ADD FOREIGN KEY (user_id) REFERENCES users NOT VALID, ADD CHECK (total > 0) /* why */ , DROP COLUMN legacy;',
      why: 'unnamed constraints among other subcommands: the other subcommands take ACCESS EXCLUSIVE',
    },
    {
      sql: 'ALTER TABLE orders ADD COLUMN n int, ADD CONSTRAINT fk FOREIGN KEY (n) REFERENCES nodes;',
      message:
        /ACCESS EXCLUSIVE on orders and SHARE ROW EXCLUSIVE on nodes: reads and writes on orders, and writes to nodes, wait/,
      why: 'a table-level foreign key is validated even on a column added by the same statement',
    },
    {
      sql: 'ALTER TABLE orders ADD COLUMN user_id bigint DEFAULT 0 REFERENCES users (id);',
      count: 1,
      message:
        /REFERENCES users validates every row of orders, because the statement gives new columns a default/,
      flagged: 'REFERENCES',
      why: 'with a default the new column is not all NULL: PostgreSQL validates the key',
    },
    {
      sql: 'ALTER TABLE orders ADD COLUMN rank int CHECK (rank > 0);',
      count: 1,
      message: /ADD COLUMN rank with a CHECK scans every row of orders under an ACCESS EXCLUSIVE lock/,
      flagged: 'CHECK',
      why: 'a CHECK declared with a new column is validated by a scan',
    },
    {
      sql: 'ALTER TABLE tree ADD CONSTRAINT tree_parent_fk FOREIGN KEY (parent_id) REFERENCES tree (id);',
      message: /under SHARE ROW EXCLUSIVE on tree: writes to tree wait/,
      why: 'self-reference names the table once',
    },
    {
      sql: 'CREATE TABLE regions (id int PRIMARY KEY);\nALTER TABLE orders ADD CONSTRAINT orders_region_fk FOREIGN KEY (region_id) REFERENCES regions (id);',
      message: /under SHARE ROW EXCLUSIVE on orders: writes to orders wait/,
      why: 'the referenced table is new: only the scanned table matters',
    },
    {
      sql: 'ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NO INHERIT;',
      output: 'ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NO INHERIT NOT VALID;',
    },
    {
      sql: 'CREATE TABLE t (a int);\nALTER TABLE other.t ADD CONSTRAINT c CHECK (a > 0);',
      why: 'same name in another schema is not new',
    },
    {
      sql: "DO $$ BEGIN ALTER TABLE big ADD CONSTRAINT c CHECK (a <> 'x,y'); END $$;",
      output: "DO $$ BEGIN ALTER TABLE big ADD CONSTRAINT c CHECK (a <> 'x,y') NOT VALID; END $$;",
      why: 'SQL inside a DO block runs at migration time; commas in strings do not end the constraint',
    },
    {
      sql: "SELECT 'é';\nALTER TABLE é ADD CONSTRAINT ç CHECK (é <> 'ü');",
      flagged: "CONSTRAINT ç CHECK (é <> 'ü')",
      output: "SELECT 'é';\nALTER TABLE é ADD CONSTRAINT ç CHECK (é <> 'ü') NOT VALID;",
      why: 'non-ASCII identifiers: byte ranges',
    },
    {
      sql: '-- pgshift:no-transaction\nALTER TABLE t ADD CONSTRAINT c CHECK (a > 0);',
      why: 'no transaction does not help: the scan is one statement',
    },
  ],
});
