import 'katex/dist/katex.min.css';
import Markdown from 'react-markdown';
import rehypeKatex from 'rehype-katex';
import remarkGfm from 'remark-gfm';
import remarkMath from 'remark-math';

const REMARK_PLUGINS = [remarkGfm, remarkMath];
// KaTeX writes its own markup from the math source (never raw HTML from the text); a bad formula shows in red, not an error.
const REHYPE_PLUGINS = [[rehypeKatex, { throwOnError: false, strict: 'ignore' }] as [typeof rehypeKatex, object]];

/**
 * Renders slide markdown: GitHub tables, strikethrough and task lists, math as `$…$` and `$$…$$` (KaTeX). Raw HTML
 * is dropped (skipHtml) and URLs go through react-markdown's default sanitizer, so an instructor's text can never
 * inject script into students' pages.
 */
export function MarkdownView({ source, className = '' }: { source: string; className?: string }) {
  return (
    <div className={`markdown ${className}`}>
      <Markdown
        skipHtml
        remarkPlugins={REMARK_PLUGINS}
        rehypePlugins={REHYPE_PLUGINS}
        components={{
          a: ({ node: _node, ...props }) => <a {...props} target="_blank" rel="noopener noreferrer" />,
          img: ({ node: _node, alt, ...props }) => <img {...props} alt={alt ?? ''} loading="lazy" />,
          // Wide tables scroll inside their own box rather than widening a phone's page.
          table: ({ node: _node, ...props }) => (
            <div className="overflow-x-auto">
              <table {...props} />
            </div>
          ),
        }}
      >
        {source}
      </Markdown>
    </div>
  );
}
