import { ruleCases } from '../helpers/rule-cases';

ruleCases('trigger-lock', {
  valid: [
    {
      sql: 'CREATE TABLE t (a int);\nCREATE TRIGGER t_audit AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION audit();\nALTER TABLE t DISABLE TRIGGER t_audit;\nDROP TRIGGER t_audit ON t;',
      why: 'a table created in the same file is empty and invisible to others',
    },
    {
      sql: 'ALTER TABLE orders DISABLE TRIGGER t, ADD COLUMN c int;',
      why: 'mixed subcommands take their own lock, reported by their rules',
    },
    {
      sql: 'ALTER TABLE orders ADD COLUMN note text;\nCREATE TRIGGER orders_note AFTER UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION f();',
      why: 'the transaction already holds a stronger lock on the table (ALTER TABLE): nothing new to wait for',
    },
    {
      sql: 'CREATE EVENT TRIGGER e ON ddl_command_start EXECUTE FUNCTION f();',
      why: 'event triggers lock no table',
    },
    {
      sql: 'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ DROP TRIGGER t ON orders $$;',
      why: 'function bodies are not run by the migration',
    },
  ],
  invalid: [
    {
      sql: 'CREATE TRIGGER orders_audit AFTER INSERT ON orders FOR EACH ROW EXECUTE FUNCTION audit();',
      count: 1,
      message:
        /^CREATE TRIGGER orders_audit on orders takes a SHARE ROW EXCLUSIVE lock: writes to orders wait until the transaction commits \(reads continue\)$/,
      flagged: 'orders',
    },
    {
      sql: 'DROP TRIGGER IF EXISTS orders_audit ON app.orders;',
      message:
        /^DROP TRIGGER orders_audit on app\.orders takes an ACCESS EXCLUSIVE lock: reads and writes on app\.orders wait/,
      flagged: 'DROP TRIGGER',
    },
    {
      sql: 'DROP TRIGGER IF EXISTS a ON orders;\nCREATE TRIGGER a AFTER INSERT ON orders FOR EACH ROW EXECUTE FUNCTION f();\nCREATE TRIGGER b AFTER INSERT ON orders FOR EACH ROW EXECUTE FUNCTION f();',
      count: 1,
      message: /^DROP TRIGGER a on orders/,
      why: 'reported once per table and transaction: later statements wait for nothing new',
    },
    {
      sql: 'CREATE TRIGGER a AFTER INSERT ON orders FOR EACH ROW EXECUTE FUNCTION f();\nDROP TRIGGER b ON orders;',
      count: 2,
      why: 'a stronger lock later in the transaction is a new wait',
    },
    {
      sql: 'ALTER TABLE orders DISABLE TRIGGER ALL, ENABLE REPLICA TRIGGER x;',
      count: 1,
      message:
        /^ALTER TABLE orders DISABLE TRIGGER ALL, ENABLE REPLICA TRIGGER x takes a SHARE ROW EXCLUSIVE lock/,
    },
    {
      sql: 'CREATE TABLE orders (a int);\nCREATE TRIGGER x AFTER INSERT ON other.orders FOR EACH ROW EXECUTE FUNCTION f();',
      why: 'same name in another schema is not new',
    },
    {
      sql: 'CREATE OR REPLACE TRIGGER x AFTER INSERT ON orders FOR EACH ROW EXECUTE FUNCTION f();',
      options: { transactionMode: 'none' },
      why: 'outside a transaction too: it still waits for the lock',
    },
    {
      sql: 'DO $$ BEGIN ALTER TABLE orders ENABLE TRIGGER x; END $$;',
      flagged: 'orders',
      why: 'SQL inside a DO block runs at migration time',
    },
    {
      sql: 'SELECT 1;\nCREATE TRIGGER é AFTER INSERT ON "commandes_é" FOR EACH ROW EXECUTE FUNCTION f();',
      flagged: '"commandes_é"',
      why: 'non-ASCII identifiers: byte ranges',
    },
  ],
});
