/**
 * The one reading of an HTTP `Retry-After` header (RFC 9110 section 10.2.3), used by the
 * refresher for the token endpoint's answers and by the client for the reader's.
 */

/**
 * Seconds to wait according to a `Retry-After` value: delta-seconds or an HTTP date.
 * @param header the header value; null or undefined when absent.
 * @param nowMs the current time, for HTTP dates.
 * @returns whole seconds (never negative), or undefined when absent or unreadable.
 * @example parseRetryAfter('120', Date.now()) // 120
 */
export function parseRetryAfter(header: string | null | undefined, nowMs: number): number | undefined {
  if (header === null || header === undefined) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value);
  // Only an HTTP date (it names a day or month); Date.parse alone reads '-5' as a year.
  if (!/^[A-Za-z]{3}/.test(value)) return undefined;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - nowMs) / 1000));
}
