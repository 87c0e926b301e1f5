import { startTestServer, stopTestServer } from './server';

/* Mocha root hooks (loaded with --require): one PostgreSQL for the whole database suite. */
export const mochaHooks = {
  async beforeAll(this: Mocha.Context): Promise<void> {
    this.timeout(120_000);
    await startTestServer();
  },
  async afterAll(this: Mocha.Context): Promise<void> {
    // stopping the server may take its 15 s, then removing the suite's data and PGlite scratch
    // directories (hundreds of MB): on a loaded 2-core machine that went past 30 s once
    this.timeout(90_000);
    await stopTestServer();
  },
};
