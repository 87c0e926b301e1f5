import { strict as assert } from 'node:assert';
import { Client } from 'pg';
import type { Driver } from '../../src/core/db/driver';
import { postApplyChecks } from '../../src/core/report/postapply';
import { open } from './report-helpers';
import { createScratchDatabase, type ScratchDatabase } from './server';

describe('report: post-apply checks', function () {
  this.timeout(60_000);
  let db: ScratchDatabase;
  let admin: Client;
  let driver: Driver;
  before(async () => {
    db = await createScratchDatabase('report_postapply');
    admin = new Client({ connectionString: db.url });
    await admin.connect();
    await admin.query(`
      CREATE TABLE customers (id int PRIMARY KEY, email text);
      CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers (id), seller_id int, buyer_id int);
      CREATE TABLE order_items (order_id int REFERENCES orders (id), line int, PRIMARY KEY (order_id, line));
      CREATE TABLE pairs (a int, b int, PRIMARY KEY (a, b), FOREIGN KEY (b, a) REFERENCES pairs (a, b));
      CREATE TABLE audit_log (at timestamptz, what text);
      ALTER TABLE orders ADD CONSTRAINT orders_seller_fk FOREIGN KEY (seller_id) REFERENCES customers (id) NOT VALID;
      ALTER TABLE orders ADD CONSTRAINT orders_buyer_fk FOREIGN KEY (buyer_id) REFERENCES customers (id);
      CREATE INDEX orders_buyer_idx ON orders (buyer_id, id);
      CREATE INDEX orders_partial_idx ON orders (seller_id) WHERE seller_id > 0;
      INSERT INTO customers VALUES (1, 'a'), (2, 'a');
      CREATE SCHEMA pgshift; CREATE TABLE pgshift.history (v text);`);
    // an invalid index, as a failed CREATE INDEX CONCURRENTLY leaves one
    await admin
      .query(`CREATE UNIQUE INDEX CONCURRENTLY customers_email_key ON customers (email)`)
      .catch(() => undefined);
    driver = await open(db.url);
  });
  after(async () => {
    await driver?.close();
    await admin?.end();
    await db?.drop();
  });

  it('finds FKs without an index on the referencing side, invalid indexes, NOT VALID constraints and tables without a primary key', async () => {
    const issues = await postApplyChecks(driver, { where: 'target' });
    const by = (kind: string): string[] =>
      issues
        .filter((i) => i.kind === kind)
        .map((i) => i.object)
        .sort();
    // orders_customer_id_fkey: no index; seller: only a partial index; buyer: index starts with buyer_id;
    // order_items: its primary key starts with order_id; pairs: (b, a) is covered by the key (a, b) in any order
    assert.deepEqual(by('fk-without-index'), ['orders_customer_id_fkey', 'orders_seller_fk']);
    assert.deepEqual(by('invalid-index'), ['customers_email_key']);
    assert.deepEqual(by('not-valid-constraint'), ['orders_seller_fk']);
    assert.deepEqual(by('no-primary-key'), ['public.audit_log'], "pgshift's own schema is left out");
    const fk = issues.find((i) => i.object === 'orders_customer_id_fkey')!;
    assert.equal(fk.fix, 'CREATE INDEX CONCURRENTLY ON public.orders (customer_id);');
    assert.ok(issues.every((i) => i.where === 'target'));
  });
});
