import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';

import { htmlTable } from './html.js';

describe('htmlTable', () => {
  test.prop([fc.array(fc.array(fc.oneof(fc.string(), fc.integer()), { minLength: 2, maxLength: 2 }), { maxLength: 30 }), fc.integer({ min: 1, max: 40 })])(
    'shows min(rows, maxRows) rows and says how many are left out',
    (rows, maxRows) => {
      const html = htmlTable(['a', 'b'], rows, { maxRows });
      if (rows.length === 0) {
        expect(html).toContain('class="empty"');
        return;
      }
      expect(html.match(/<tr>/g)).toHaveLength(1 + Math.min(rows.length, maxRows));
      if (rows.length > maxRows) expect(html).toContain(`… and ${(rows.length - maxRows).toLocaleString('en-US')} more rows not shown.`);
      else expect(html).not.toContain('more rows not shown');
    },
  );
});
