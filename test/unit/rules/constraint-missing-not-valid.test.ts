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
      sql: 'ALTER TABLE orders ADD COLUMN user_id bigint CONSTRAINT orders_user_fk REFERENCES users (id) ON DELETE CASCADE;',
      why: 'named, with ON DELETE: still a new all-NULL column, marked valid without a scan',
    },
    {
      sql: 'ALTER TABLE orders ADD COLUMN user_id bigint REFERENCES users (id), ADD COLUMN shop_id bigint REFERENCES shops;',
      why: 'several new columns with keys and no values',
    },
    {
      sql: 'ALTER TABLE orders ADD COLUMN n int DEFAULT 0, ADD COLUMN user_id bigint REFERENCES users (id);',
      why: "PostgreSQL 13+ transforms each ADD COLUMN alone: the other column's default does not validate this key (measured)",
    },
    {
      sql: 'ALTER TABLE orders ADD COLUMN user_id bigint REFERENCES users (id);',
      options: { postgresVersion: 12 },
      why: 'no column gets a value, on any version',
    },
    {
      sql: 'CREATE TABLE orders (id bigint PRIMARY KEY);\nALTER TABLE orders ADD COLUMN user_id bigint DEFAULT 1 REFERENCES users (id);',
      why: 'table created earlier in the same file',
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
        /REFERENCES users validates every row of orders, because the new column gets a value in every row, under ACCESS EXCLUSIVE on orders and SHARE ROW EXCLUSIVE on users/,
      flagged: 'REFERENCES',
      output:
        'ALTER TABLE orders ADD COLUMN user_id bigint DEFAULT 0, ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;',
      why: 'with a default the new column is not all NULL: PostgreSQL validates the key',
    },
    {
      sql: 'ALTER TABLE orders ADD COLUMN user_id bigint CONSTRAINT orders_user_fk REFERENCES users (id) ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED DEFAULT 0 NOT NULL;',
      count: 1,
      flagged: 'CONSTRAINT',
      output:
        'ALTER TABLE orders ADD COLUMN user_id bigint DEFAULT 0 NOT NULL, ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED NOT VALID;',
      why: 'the suggestion moves the named key with its actions and attributes out of the column; the default and NOT NULL stay',
    },
    {
      sql: `ALTER TABLE orders ADD COLUMN a bigint REFERENCES users, ADD COLUMN b text DEFAULT 'x' REFERENCES shops (code) COLLATE "C", ADD COLUMN c int;`,
      count: 1,
      message: /ADD COLUMN b REFERENCES shops validates every row of orders/,
      output: `ALTER TABLE orders ADD COLUMN a bigint REFERENCES users, ADD COLUMN b text DEFAULT 'x' COLLATE "C", ADD CONSTRAINT orders_b_fkey FOREIGN KEY (b) REFERENCES shops (code) NOT VALID, ADD COLUMN c int;`,
      why: 'several columns: only the one with a default is validated (PostgreSQL 13+); the clause ends before COLLATE',
    },
    {
      sql: 'ALTER TABLE orders ADD COLUMN n int DEFAULT 0, ADD COLUMN user_id bigint REFERENCES users (id);',
      options: { postgresVersion: 12 },
      count: 1,
      message:
        /ADD COLUMN user_id REFERENCES users validates every row of orders, because another column added by the statement gets a value \(before PostgreSQL 13\)/,
      output:
        'ALTER TABLE orders ADD COLUMN n int DEFAULT 0, ADD COLUMN user_id bigint, ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;',
      why: 'before PostgreSQL 13 a default on any column added by the statement makes the keys validated (measured on 12.22)',
    },
    {
      sql: 'ALTER TABLE orders ADD COLUMN user_id bigint REFERENCES users (id) ON DELETE CASCADE DEFAULT NULL;',
      count: 1,
      message: /because the new column has a DEFAULT \(even DEFAULT NULL makes PostgreSQL check\)/,
      output:
        'ALTER TABLE orders ADD COLUMN user_id bigint DEFAULT NULL, ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE NOT VALID;',
      why: 'DEFAULT NULL still makes PostgreSQL validate the key (measured: a scan of every row)',
    },
    {
      sql: 'ALTER TABLE orders ADD COLUMN ref bigint GENERATED ALWAYS AS (id * 2) STORED REFERENCES refs (id);',
      count: 1,
      message: /because the new column gets a value in every row/,
      why: 'a stored generated column has values: its key is validated',
    },
    {
      sql: 'CREATE TABLE coupons (id bigint PRIMARY KEY);\nALTER TABLE orders ADD COLUMN coupon_id bigint DEFAULT 1 REFERENCES coupons (id);',
      count: 1,
      message:
        /under ACCESS EXCLUSIVE on orders: reads and writes on orders wait until every row is checked$/,
      why: 'the referenced table is new: as for ADD CONSTRAINT, only the scanned table is named',
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
