/**
 * The foreign tools' tracking tables: kept in trackers/, one module per tool behind one interface.
 * This module re-exports them for the runner.
 */
export * from './trackers';
