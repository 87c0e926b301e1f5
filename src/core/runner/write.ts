/**
 * One tracking write as a single statement with its parameters (never values in the SQL text), so that
 * the runner can pipeline a migration's history row and foreign rows with its statements and COMMIT.
 */
import type { Driver } from '../db/driver';

export interface Write {
  sql: string;
  params: unknown[];
}

export async function runWrite(driver: Driver, w: Write): Promise<void> {
  await driver.query(w.sql, w.params);
}
