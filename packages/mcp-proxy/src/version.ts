/** Kept in step with package.json by hand; reported to upstream servers as the client version. */
export const PACKAGE_VERSION = '0.1.0';
