/** @jsxImportSource hono/jsx */
import type { Child } from 'hono/jsx';

/** One label and value of a details list (`<dl class="fields">`). */
export function Field(props: { label: string; id?: string; children?: Child }) {
  return (
    <div class="field-row">
      <dt>{props.label}</dt>
      <dd id={props.id}>{props.children}</dd>
    </div>
  );
}
