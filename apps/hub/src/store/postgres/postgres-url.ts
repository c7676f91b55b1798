/** A postgres URL fit for banners and logs: the password, if any, replaced by `***`. */
export function maskPostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    for (const key of [...parsed.searchParams.keys()]) if (/pass/i.test(key)) parsed.searchParams.set(key, '***');
    return parsed.toString();
  } catch {
    return '(unparsable postgres URL)';
  }
}

/** Where a URL points, without credentials: `host:port/database`, for error messages. */
export function postgresTarget(url: string): string {
  try {
    const parsed = new URL(url);
    const host = parsed.hostname || parsed.searchParams.get('host') || 'localhost';
    return `${host}:${parsed.port || '5432'}${parsed.pathname.length > 1 ? parsed.pathname : '/'}`;
  } catch {
    return '(unparsable postgres URL)';
  }
}
