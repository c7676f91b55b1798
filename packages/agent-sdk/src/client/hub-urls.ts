/**
 * The hub URLs a client may connect to, in the order it tries them: trailing slashes removed, duplicates dropped.
 * Throws on an empty list, so a misconfigured agent fails at once rather than waiting forever.
 */
export function hubUrlsOf(url: string | readonly string[]): readonly string[] {
  const list = typeof url === 'string' ? [url] : url;
  const urls = [...new Set(list.map((u) => u.trim().replace(/\/+$/, '')).filter((u) => u.length > 0))];
  if (urls.length === 0) throw new TypeError('connectHub needs at least one hub URL');
  return urls;
}

/** The next URL to try after `index` failed, round-robin. */
export function nextUrlIndex(index: number, urls: readonly string[]): number {
  return (index + 1) % urls.length;
}
