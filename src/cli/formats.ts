/** Output formats per command (in a module of their own, so the option parser loads nothing else). */

/** Output formats of `analyze`. */
export const ANALYZE_FORMATS = ['text', 'json', 'jsonl', 'junit', 'html', 'ecs'] as const;
/** Output formats of `scan`. */
export const SCAN_FORMATS = ['text', 'json', 'jsonl', 'junit', 'html', 'ecs'] as const;
/** Output formats of `check`. */
export const CHECK_FORMATS = ['text', 'json', 'junit'] as const;
