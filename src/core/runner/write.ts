/**
 * One tracking write as a single statement with its parameters, so that several can travel in one
 * round trip: the history row and the foreign tool's row of a migration go to the server as
 * `WITH recorded AS (INSERT …) <the foreign write>`, parameters only, never values in the SQL text.
 */
import type { Driver } from '../db/driver';

export interface Write {
  sql: string;
  params: unknown[];
}

export async function runWrite(driver: Driver, w: Write): Promise<void> {
  await driver.query(w.sql, w.params);
}
