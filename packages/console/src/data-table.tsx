import type { ComponentChildren } from "preact";

/**
 * A table with a caption for screen readers and a header row; `null` in `columns` is a column
 * without a visible heading (row actions), named "Actions" for assistive technology.
 */
export function DataTable({
  caption,
  columns,
  children,
}: {
  caption: string;
  columns: (string | null)[];
  children: ComponentChildren;
}) {
  return (
    <table>
      <caption class="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          {columns.map((c, i) => (
            <th key={c ?? `actions-${i}`} scope="col">
              {c ?? <span class="visually-hidden">Actions</span>}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}
