import { escapeHtml, section } from '../internal/html.js';
import type { ReportSection } from '../report-types.js';

/**
 * A report section holding one sentence: where a view cannot be shown, the report says why
 * instead of leaving it out silently.
 *
 * @example
 * ```ts
 * noteSection('augmentation-grid', 'Augmentation: one image, several draws', 'Not shown: this model has no augmentation layer.');
 * ```
 * @returns the section (`<section id>` with the title and the sentence, escaped) and no file.
 */
export function noteSection(id: string, title: string, text: string): ReportSection {
  return { id, title, html: section(id, title, `<p class="note">${escapeHtml(text)}</p>`), files: [] };
}
