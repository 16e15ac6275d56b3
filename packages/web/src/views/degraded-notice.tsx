/** @jsxImportSource hono/jsx */

/**
 * Shown when DynamoDB throttled some tenant's counter items past the SDK's retries: the
 * figures beside it leave those out rather than the page failing (stats-reader.ts). The
 * jobs page's refresh shows or hides it by the summary it reads (`id` for its script).
 */
export function DegradedNotice(props: { degraded: boolean; what: string; id?: string }) {
  return (
    <p class="notice notice--warning" id={props.id} role="status" hidden={!props.degraded}>
      {`Some ${props.what} could not be read just now (the table is throttling a busy tenant's counters), so the figures leave them out. They come back when the load falls.`}
    </p>
  );
}
