// A lint worker that dies before it lints anything: the parallel lint must still give every result.
throw new Error('this worker fails on start');
