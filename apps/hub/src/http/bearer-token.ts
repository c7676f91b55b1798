/** The token of an `Authorization: Bearer …` header; null when there is none or it is malformed. */
export const bearerToken = (header: string | undefined): string | null => (header ? (/^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] ?? null) : null);
