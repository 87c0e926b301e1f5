/**
 * A normalized text of the user schema, read from the catalogs: what a migration changed, with no
 * OIDs, physical column numbers or data in it, so that up → down → up can be proven to give back
 * the same schema. (pg_dump would do, but its version must be at least the server's, and it cannot
 * read the embedded PGlite database.)
 */
import type { Driver } from '../db/driver';

export interface SnapshotOptions {
  /** only these schemas (default: every schema but the system ones) */
  schemas?: string[];
  /** schemas left out, pgshift's own history schema among them (default ['pgshift']) */
  excludeSchemas?: string[];
}

export async function schemaSnapshot(driver: Driver, opts: SnapshotOptions = {}): Promise<string> {
  const exclude = opts.excludeSchemas ?? ['pgshift'];
  const include = opts.schemas ?? null;
  const params = [exclude, include];
  // $1: excluded schemas; $2: included schemas or null
  const ns = (alias: string) =>
    `${alias}.nspname NOT IN ('pg_catalog', 'information_schema') AND ${alias}.nspname NOT LIKE 'pg\\_toast%' AND ${alias}.nspname NOT LIKE 'pg\\_temp%'
     AND NOT (${alias}.nspname = ANY($1::text[])) AND ($2::text[] IS NULL OR ${alias}.nspname = ANY($2::text[]))`;
  const notExtensionMember = (oid: string, catalog: string) =>
    `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '${catalog}'::regclass AND d.objid = ${oid} AND d.deptype = 'e')`;

  const sections: [string, string][] = [
    [
      'schemas',
      `SELECT n.nspname || ' owner ' || pg_get_userbyid(n.nspowner) FROM pg_namespace n WHERE ${ns('n')} AND n.nspname <> 'public' ORDER BY 1`,
    ],
    [
      'extensions',
      `SELECT e.extname || ' ' || e.extversion || ' in ' || n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname <> 'plpgsql' ORDER BY 1`,
    ],
    [
      'types',
      `SELECT n.nspname || '.' || t.typname || ' ' ||
              CASE t.typtype
                WHEN 'e' THEN 'enum (' || (SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid) || ')'
                WHEN 'd' THEN 'domain ' || format_type(t.typbasetype, t.typtypmod) || CASE WHEN t.typnotnull THEN ' not null' ELSE '' END ||
                     coalesce(' default ' || t.typdefault, '') ||
                     coalesce((SELECT ' ' || string_agg(c.conname || ' ' || pg_get_constraintdef(c.oid), ' ' ORDER BY c.conname) FROM pg_constraint c WHERE c.contypid = t.oid), '')
                WHEN 'c' THEN 'composite (' || (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum) FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) || ')'
                WHEN 'r' THEN 'range of ' || (SELECT format_type(r.rngsubtype, NULL) FROM pg_range r WHERE r.rngtypid = t.oid)
                ELSE 'base'
              END
         FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE ${ns('n')} AND t.typtype IN ('e', 'd', 'c', 'r', 'b')
          AND (t.typtype <> 'c' OR (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c')
          AND NOT (t.typtype = 'b' AND t.typelem <> 0 AND t.typlen = -1 AND t.typname LIKE '\\_%')
          AND ${notExtensionMember('t.oid', 'pg_type')}
        ORDER BY 1`,
    ],
    [
      'relations',
      `SELECT n.nspname || '.' || c.relname || ' ' ||
              CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                             WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE c.relkind::text END ||
              CASE WHEN c.relpersistence = 'u' THEN ' unlogged' ELSE '' END ||
              CASE WHEN c.relrowsecurity THEN ' row-security' ELSE '' END ||
              coalesce(' options ' || array_to_string(c.reloptions, ','), '') ||
              CASE WHEN c.relispartition THEN ' partition of ' || (SELECT i.inhparent::regclass::text FROM pg_inherits i WHERE i.inhrelid = c.oid) || ' ' || pg_get_expr(c.relpartbound, c.oid) ELSE '' END ||
              CASE WHEN c.relkind = 'p' THEN ' ' || pg_get_partkeydef(c.oid) ELSE '' END ||
              ' owner ' || pg_get_userbyid(c.relowner)
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE ${ns('n')} AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND ${notExtensionMember('c.oid', 'pg_class')}
        ORDER BY 1`,
    ],
    [
      'columns',
      // Ordered by position among the live columns: a dropped and re-added column keeps its place in the text.
      `SELECT n.nspname || '.' || c.relname || ' #' || row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum) || ' ' || a.attname || ' ' ||
              format_type(a.atttypid, a.atttypmod) ||
              CASE WHEN a.attnotnull THEN ' not null' ELSE '' END ||
              CASE WHEN a.attidentity = 'a' THEN ' generated always as identity' WHEN a.attidentity = 'd' THEN ' generated by default as identity' ELSE '' END ||
              CASE WHEN a.attgenerated = 's' THEN ' generated always as (' || pg_get_expr(ad.adbin, ad.adrelid) || ') stored'
                   WHEN a.attgenerated = 'v' THEN ' generated always as (' || pg_get_expr(ad.adbin, ad.adrelid) || ') virtual'
                   WHEN ad.adbin IS NOT NULL THEN ' default ' || pg_get_expr(ad.adbin, ad.adrelid) ELSE '' END ||
              CASE WHEN a.attcollation <> 0 AND a.attcollation <> (SELECT t.typcollation FROM pg_type t WHERE t.oid = a.atttypid)
                   THEN ' collate ' || (SELECT co.collname FROM pg_collation co WHERE co.oid = a.attcollation) ELSE '' END
         FROM pg_attribute a
         JOIN pg_class c ON c.oid = a.attrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
        WHERE ${ns('n')} AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped
          AND ${notExtensionMember('c.oid', 'pg_class')}
        ORDER BY n.nspname, c.relname, a.attnum`,
    ],
    [
      'constraints',
      `SELECT n.nspname || '.' || coalesce(c.relname, t.typname) || ' ' || co.conname || ' ' || pg_get_constraintdef(co.oid, true)
         FROM pg_constraint co
         JOIN pg_namespace n ON n.oid = co.connamespace
         LEFT JOIN pg_class c ON c.oid = co.conrelid
         LEFT JOIN pg_type t ON t.oid = co.contypid
        WHERE ${ns('n')} AND co.contypid = 0
        ORDER BY 1`,
    ],
    [
      'indexes',
      `SELECT pg_get_indexdef(i.indexrelid) || CASE WHEN NOT i.indisvalid THEN ' -- INVALID' ELSE '' END
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE ${ns('n')} ORDER BY 1`,
    ],
    [
      'sequences',
      `SELECT n.nspname || '.' || c.relname || ' ' || format_type(s.seqtypid, NULL) || ' start ' || s.seqstart || ' increment ' || s.seqincrement ||
              ' min ' || s.seqmin || ' max ' || s.seqmax || ' cache ' || s.seqcache || CASE WHEN s.seqcycle THEN ' cycle' ELSE '' END ||
              coalesce(' owned by ' || (SELECT d.refobjid::regclass::text || '.' || a.attname FROM pg_depend d
                                          JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                                         WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i') LIMIT 1), '')
         FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE ${ns('n')} ORDER BY 1`,
    ],
    [
      'views',
      `SELECT n.nspname || '.' || c.relname || ' AS ' || pg_get_viewdef(c.oid, true)
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE ${ns('n')} AND c.relkind IN ('v', 'm') ORDER BY 1`,
    ],
    [
      'functions',
      `SELECT pg_get_functiondef(p.oid)
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE ${ns('n')} AND p.prokind IN ('f', 'p', 'w') AND ${notExtensionMember('p.oid', 'pg_proc')}
        ORDER BY n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)`,
    ],
    [
      'aggregates',
      `SELECT n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE ${ns('n')} AND p.prokind = 'a' AND ${notExtensionMember('p.oid', 'pg_proc')} ORDER BY 1`,
    ],
    [
      'triggers',
      `SELECT pg_get_triggerdef(t.oid, true) || CASE t.tgenabled WHEN 'D' THEN ' -- disabled' ELSE '' END
         FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE ${ns('n')} AND NOT t.tgisinternal ORDER BY 1`,
    ],
    [
      'policies',
      `SELECT n.nspname || '.' || c.relname || ' ' || p.polname || ' ' || p.polcmd::text || CASE WHEN p.polpermissive THEN ' permissive' ELSE ' restrictive' END ||
              coalesce(' using (' || pg_get_expr(p.polqual, p.polrelid) || ')', '') || coalesce(' check (' || pg_get_expr(p.polwithcheck, p.polrelid) || ')', '')
         FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE ${ns('n')} ORDER BY 1`,
    ],
    [
      'comments',
      `SELECT n.nspname || '.' || c.relname || coalesce('.' || a.attname, '') || ' ' || quote_literal(d.description)
         FROM pg_description d
         JOIN pg_class c ON d.classoid = 'pg_class'::regclass AND d.objoid = c.oid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid AND d.objsubid > 0
        WHERE ${ns('n')} ORDER BY 1`,
    ],
  ];

  const out: string[] = [];
  for (const [title, sql] of sections) {
    const r = await driver.query<Record<string, string>>(sql, sql.includes('$1') ? params : []);
    const lines = r.rows.map((row) => String(Object.values(row)[0] ?? '').trim());
    out.push(`-- ${title}`, ...lines, '');
  }
  return out.join('\n');
}
