export { startPostgres, type PostgresServer, type StartPostgresOptions } from './start-postgres.js';
export { createDatabase, dropDatabase, databaseUrl } from './create-database.js';
export { findPostgresBinaries, PostgresNotInstalledError } from './find-binaries.js';
