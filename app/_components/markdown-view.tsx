import Markdown from 'react-markdown';

/**
 * Renders slide markdown. Raw HTML is dropped (skipHtml) and URLs go through react-markdown's default
 * sanitizer, so an instructor's text can never inject script into students' pages.
 */
export function MarkdownView({ source, className = '' }: { source: string; className?: string }) {
  return (
    <div className={`markdown ${className}`}>
      <Markdown
        skipHtml
        components={{
          a: ({ node: _node, ...props }) => <a {...props} target="_blank" rel="noopener noreferrer" />,
          img: ({ node: _node, alt, ...props }) => <img {...props} alt={alt ?? ''} loading="lazy" />,
        }}
      >
        {source}
      </Markdown>
    </div>
  );
}
