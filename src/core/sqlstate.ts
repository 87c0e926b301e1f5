// The SQLSTATEs pgshift compares or produces, named as in PostgreSQL's src/backend/utils/errcodes.txt
// (condition name in UPPER_SNAKE), so that a comparison reads as what it means and a typo is a compile error.

export const SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION = '08001';
export const CONNECTION_FAILURE = '08006';
export const ACTIVE_SQL_TRANSACTION = '25001';
export const NO_ACTIVE_SQL_TRANSACTION = '25P01';
export const INVALID_AUTHORIZATION_SPECIFICATION = '28000';
export const INVALID_PASSWORD = '28P01';
export const INVALID_CATALOG_NAME = '3D000';
export const UNDEFINED_COLUMN = '42703';
export const UNDEFINED_FUNCTION = '42883';
export const UNDEFINED_TABLE = '42P01';
export const TOO_MANY_CONNECTIONS = '53300';
export const OBJECT_IN_USE = '55006';
export const LOCK_NOT_AVAILABLE = '55P03';
export const QUERY_CANCELED = '57014';
export const CANNOT_CONNECT_NOW = '57P03';
