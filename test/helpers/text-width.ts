/** Terminal columns a line takes (wide characters count two, colour escapes none). */
import stringWidth from 'string-width';

export function columnsOf(line: string): number {
  return stringWidth(line);
}
