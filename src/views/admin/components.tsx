import type { Child } from 'hono/jsx';
import { AdminForm } from './form.js';
import { rowAction } from './layout.js';

/** The picture types an upload field offers (the ones lib/media-types.ts knows). */
export const IMAGE_ACCEPT = 'image/jpeg,image/png,image/gif,image/webp,image/avif';

/**
 * Where a list goes on a page: the list, or the notice saying there is nothing in it. The notice
 * is a plain paragraph, not a table with one empty row, so a screen reader says it at once.
 */
export function ListOr(props: { count: number; empty: Child; children?: Child }) {
  return props.count === 0 ? <p class="notice">{props.empty}</p> : props.children;
}

/** A table of the admin's lists: a header of column names over its rows (`children`). */
export function AdminTable(props: { columns: string[]; class?: string; children?: Child }) {
  return (
    <table class={props.class ?? 'admin-table'}>
      <thead>
        <tr>
          {props.columns.map((name) => (
            <th scope="col">{name}</th>
          ))}
        </tr>
      </thead>
      <tbody>{props.children}</tbody>
    </table>
  );
}

/**
 * One action of a row: a form of one button posting `fields` to `action`. Given the `row` it acts
 * on, the button's accessible name says which one ("Delete: “About”", see `rowAction`); `name`
 * gives another accessible name instead. `confirm` asks first (admin.js reads `data-confirm`).
 */
export function RowAction(props: {
  action: string;
  label: string;
  row?: string;
  name?: string;
  kind?: 'secondary' | 'danger';
  fields?: Record<string, string>;
  confirm?: string;
  disabled?: boolean;
  title?: string;
}) {
  const name = props.name ?? (props.row === undefined ? undefined : rowAction(props.label, props.row));
  return (
    <AdminForm action={props.action} class="inline-form" data-confirm={props.confirm}>
      {Object.entries(props.fields ?? {}).map(([field, value]) => (
        <input type="hidden" name={field} value={value} />
      ))}
      <button
        type="submit"
        class={props.kind}
        aria-label={name}
        disabled={props.disabled}
        title={props.title}
      >
        {props.label}
      </button>
    </AdminForm>
  );
}

/** Links to the newer and older pages of a list; an empty `<span />` holds the place of a missing one. */
export function Pagination(props: {
  page: number;
  hasMore: boolean;
  href: (page: number) => string;
  /** Marks the older page as the next one (`rel="next"`). */
  rel?: 'next';
}) {
  return (
    <nav class="pagination" aria-label="Pages">
      {props.page > 1 ? <a href={props.href(props.page - 1)}>← Newer</a> : <span />}
      {props.hasMore ? (
        <a href={props.href(props.page + 1)} rel={props.rel}>
          Older →
        </a>
      ) : (
        <span />
      )}
    </nav>
  );
}

/** The tabs over a list that pick which of its rows are shown, each with how many there are. */
export function FilterNav<F extends string>(props: {
  label: string;
  filters: readonly (readonly [F, string])[];
  current: F;
  counts: Record<F, number>;
  /** The list's address; a tab adds `?filter=` to it. */
  base: string;
}) {
  return (
    <nav aria-label={props.label}>
      <ul class="filters">
        {props.filters.map(([f, label]) => (
          <li>
            <a href={`${props.base}?filter=${f}`} aria-current={f === props.current ? 'page' : undefined}>
              {label} <span class="count">{props.counts[f]}</span>
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/**
 * What was wrong with a posted form, above it: `intro` words the lead for one problem ("this") or
 * several ("these"). Nothing when there is no problem.
 */
export function Problems(props: { errors: string[]; intro: (which: string) => string; id?: string }) {
  if (props.errors.length === 0) return null;
  return (
    <div class="flash flash-error" role="alert" id={props.id}>
      <p>{props.intro(props.errors.length === 1 ? 'this' : 'these')}</p>
      <ul>
        {props.errors.map((e) => (
          <li>{e}</li>
        ))}
      </ul>
    </div>
  );
}
