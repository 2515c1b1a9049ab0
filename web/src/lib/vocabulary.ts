// The API's vocabularies (roles, states, audit actions...) are string unions generated from the
// Rust enums. A console list of one of them is written with `everyValue` so that a value the API
// adds and the list lacks fails `npm run typecheck`, not a page.

type Missing<T, L extends readonly T[]> = Exclude<T, L[number]>;

/**
 * Checks that `values` names every member of `T` and returns it unchanged:
 * `everyValue<Role>()(['admin', 'super_admin'])`. A missing member shows in the error as
 * `missingFromList`.
 */
export function everyValue<T extends string>() {
  return <const L extends readonly T[]>(
    values: L & ([Missing<T, L>] extends [never] ? unknown : { missingFromList: Missing<T, L> }),
  ): L => values;
}
