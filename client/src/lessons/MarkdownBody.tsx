import DOMPurify from 'dompurify';
import { marked } from 'marked';
import { useMemo } from 'react';

/**
 * A text lesson's Markdown as HTML. marked passes raw HTML through, so its output goes through
 * DOMPurify before it reaches the page: an instructor's `<script>` or `onerror=` never runs.
 */
export function MarkdownBody({ markdown }: { markdown: string }) {
  const html = useMemo(
    () => DOMPurify.sanitize(marked.parse(markdown, { async: false, gfm: true })),
    [markdown],
  );
  return <div className="lesson-text" data-testid="lesson-text" dangerouslySetInnerHTML={{ __html: html }} />;
}
