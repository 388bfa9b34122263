/**
 * The abstract syntax of SCIM filters and PATCH paths (RFC 7644 §3.4.2.2 and §3.5.2).
 * The parser (filter.ts) produces it; the SQL compiler and the in-memory evaluator consume it.
 */

export type CompareOperator = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'lt' | 'ge' | 'le';

/** `compValue = false / null / true / number / string` (RFC 7644 §3.4.2.2). */
export type FilterValue = string | number | boolean | null;

/**
 * `attrPath = [URI ":"] ATTRNAME *1subAttr`. The URN is kept as written (without the trailing
 * colon); `attribute` and `subAttribute` as written too: resolution against a schema, which is
 * case-insensitive, happens later.
 */
export interface AttrPath {
  readonly urn?: string;
  readonly attribute: string;
  readonly subAttribute?: string;
}

export type Filter =
  | {
      readonly kind: 'compare';
      readonly path: AttrPath;
      readonly op: CompareOperator;
      readonly value: FilterValue;
    }
  | { readonly kind: 'present'; readonly path: AttrPath }
  | { readonly kind: 'and'; readonly left: Filter; readonly right: Filter }
  | { readonly kind: 'or'; readonly left: Filter; readonly right: Filter }
  | { readonly kind: 'not'; readonly filter: Filter }
  /**
   * `emails[type eq "work" and value co "@x"]`: true when one element of the multi-valued
   * attribute `path` matches `filter`, whose paths name sub-attributes of that element.
   */
  | { readonly kind: 'valuePath'; readonly path: AttrPath; readonly filter: Filter };

/**
 * A PATCH `path` (RFC 7644 §3.5.2): `attrPath`, or `valuePath [subAttr]` such as
 * `emails[type eq "work"].value` or `members[value eq "2819c223"]`.
 */
export interface PatchPath {
  readonly path: AttrPath;
  readonly valueFilter?: Filter;
  /** The sub-attribute after the filter: `value` in `emails[type eq "work"].value`. */
  readonly subAttribute?: string;
}

/** The attribute path as text, URN-qualified when it was written so. */
export function formatAttrPath(path: AttrPath): string {
  const base = path.subAttribute ? `${path.attribute}.${path.subAttribute}` : path.attribute;
  return path.urn ? `${path.urn}:${base}` : base;
}
