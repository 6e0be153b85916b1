/**
 * The subset of EventBridge event-pattern matching the broker's rules use: objects
 * nest, arrays list the accepted literal values, and an array in the event matches
 * when any of its elements is accepted. Anything fancier (prefix, numeric, exists...)
 * throws, so a new kind of pattern is handled on purpose rather than silently passed.
 */
export function matchesEventPattern(pattern: unknown, event: unknown): boolean {
  if (Array.isArray(pattern)) {
    for (const accepted of pattern) {
      if (typeof accepted === 'object' && accepted !== null) {
        throw new Error(`unsupported content filter in event pattern: ${JSON.stringify(accepted)}`);
      }
    }
    const values = Array.isArray(event) ? event : [event];
    return values.some((value) => pattern.includes(value));
  }
  if (typeof pattern === 'object' && pattern !== null) {
    if (typeof event !== 'object' || event === null) return false;
    return Object.entries(pattern).every(([key, inner]) =>
      matchesEventPattern(inner, (event as Record<string, unknown>)[key]),
    );
  }
  throw new Error(`unsupported event pattern value: ${JSON.stringify(pattern)}`);
}

/** Replaces `{"Ref": ID}` in a synthesized pattern with local values, leaving the rest. */
export function resolvePatternRefs(pattern: unknown, refs: Record<string, string>): unknown {
  if (Array.isArray(pattern)) return pattern.map((item) => resolvePatternRefs(item, refs));
  if (typeof pattern === 'object' && pattern !== null) {
    const ref = (pattern as { Ref?: unknown }).Ref;
    if (typeof ref === 'string' && Object.keys(pattern).length === 1) {
      const value = refs[ref];
      if (value === undefined) throw new Error(`no local value for Ref ${ref}`);
      return value;
    }
    return Object.fromEntries(
      Object.entries(pattern).map(([key, inner]) => [key, resolvePatternRefs(inner, refs)]),
    );
  }
  return pattern;
}
