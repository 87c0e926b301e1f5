import { startTestServer, stopTestServer } from './server';

/* Mocha root hooks (loaded with --require): one PostgreSQL for the whole database suite. */
export const mochaHooks = {
  async beforeAll(this: Mocha.Context): Promise<void> {
    this.timeout(120_000);
    await startTestServer();
  },
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(30_000);
    await stopTestServer();
  },
};
