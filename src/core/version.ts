import pkg from '../../package.json';

export const PGSHIFT_VERSION: string = pkg.version;
