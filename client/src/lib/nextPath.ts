/**
 * Where to go after signing in: `next` from the query string when it is a path on this site,
 * never another origin (`//evil.example`, `https://…`, `/\evil.example`), else `fallback`.
 */
export function safeNextPath(next: string | null, origin: string, fallback: string): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return fallback;
  try {
    const url = new URL(next, origin);
    if (url.origin !== origin) return fallback;
    return `${url.pathname}${url.search}${url.hash}`;
  } catch {
    return fallback;
  }
}

/** The sign-in page's address that comes back to `path` (path, query and hash of this site). */
export function signInPath(path: string): string {
  return `/sign-in?next=${encodeURIComponent(path)}`;
}
