/** @jsxImportSource hono/jsx */
import type { Pager } from '../list-url.ts';

/** First / Previous / page / Next for a cursor-paged view; `link` turns a page's parameters into its href. */
export function PagerNav(props: { pager: Pager; label: string; link: (params: URLSearchParams) => string }) {
  const { pager } = props;
  if (pager.first === null && pager.next === null) return null;
  const to = (params: URLSearchParams | null, text: string, rel?: string) =>
    params === null ? (
      <span class="button button--quiet is-disabled" aria-disabled="true">
        {text}
      </span>
    ) : (
      <a class="button button--quiet" href={props.link(params)} rel={rel}>
        {text}
      </a>
    );
  return (
    <nav class="pager" aria-label={props.label}>
      {to(pager.first, 'First')}
      {to(pager.previous, 'Previous', 'prev')}
      <span class="pager__page">Page {pager.page}</span>
      {to(pager.next, 'Next', 'next')}
    </nav>
  );
}
