/** @jsxImportSource hono/jsx */
import type { FieldError } from '../schedule-form.ts';

/** The error a refused save names for `fields`, shown next to them; the control points at it with aria-describedby. */
export function FieldErrorText(props: { id: string; error: FieldError | null; fields: readonly string[] }) {
  if (props.error === null || !props.fields.includes(props.error.field)) return null;
  return (
    <p class="field-error" id={props.id} role="alert">
      {props.error.message}
    </p>
  );
}

/** Whether a refused save names one of `fields`: the control is then marked invalid. */
export function invalid(error: FieldError | null, fields: readonly string[]): 'true' | undefined {
  return error !== null && fields.includes(error.field) ? 'true' : undefined;
}

/** aria-describedby for a control: its hint, and its error when there is one. */
export function describedBy(hint: string | null, errorId: string, error: FieldError | null, fields: readonly string[]): string | undefined {
  const ids = [hint, invalid(error, fields) ? errorId : null].filter((id): id is string => id !== null);
  return ids.length > 0 ? ids.join(' ') : undefined;
}

/**
 * The top of a schedule form: its "saved" notice, the error no field shows inline, and the
 * hidden fields that say whose form it is (CSRF token) and which one it is.
 */
export function FormHead(props: { form: string; csrfToken: string; saved: string | null; error: FieldError | null; inline: readonly string[] }) {
  return (
    <>
      {props.saved !== null && (
        <p class="alert alert--ok" role="status">
          {props.saved}
        </p>
      )}
      {props.error !== null && !props.inline.includes(props.error.field) && (
        <p class="alert alert--error" role="alert">
          {props.error.message}
        </p>
      )}
      <input type="hidden" name="csrf" value={props.csrfToken} />
      <input type="hidden" name="form" value={props.form} />
    </>
  );
}
