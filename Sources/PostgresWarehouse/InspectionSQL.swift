/// Catalog queries for `PostgresWarehouse.inspect`: what besides its rows an UPDATE of some columns touches. Pure.
/// Every query takes the table as `$1` (its quoted, qualified name, read with `to_regclass`) and the chosen columns'
/// names as `$2` (`text[]`). The table stands for itself and its partitions.
enum InspectionSQL {
    /// The table and its partitions, as a subquery of oids (`pg_partition_tree` lists nothing for a plain table).
    static let tree = "(SELECT to_regclass($1)::oid UNION SELECT relid::oid FROM pg_catalog.pg_partition_tree(to_regclass($1)))"

    /// The table and its partitions.
    static let relations = "SELECT oid::int4 FROM \(tree) AS tree(oid)"

    /// The attribute numbers of the chosen columns.
    static let attributes =
        "SELECT attnum FROM pg_catalog.pg_attribute WHERE attrelid = to_regclass($1) AND attname = ANY($2::text[]) AND NOT attisdropped"

    /// The table's replica identity: `d` default, `f` full, `i` index, `n` nothing.
    static let replicaIdentity = "SELECT relreplident::text FROM pg_catalog.pg_class WHERE oid = to_regclass($1)"

    /// Foreign keys on either side of the chosen columns (declared on the table, or on another table referencing
    /// it), once each (not their clones on partitions): name, referencing table and columns, referenced table and
    /// columns, ON UPDATE action (`a` no action, `r` restrict, `c` cascade, `n` set null, `d` set default), deferrable,
    /// whether it references a chosen column, whether a chosen column references another, and the referencing table's oid.
    static let foreignKeys = """
        WITH target AS (SELECT to_regclass($1) AS oid),
        keys AS (
            SELECT c.*,
                (c.confrelid = target.oid AND EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                    WHERE a.attrelid = c.confrelid AND a.attnum = ANY(c.confkey) AND a.attname = ANY($2::text[]))) AS incoming,
                (c.conrelid = target.oid AND EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                    WHERE a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey) AND a.attname = ANY($2::text[]))) AS outgoing
            FROM pg_catalog.pg_constraint c, target
            WHERE c.contype = 'f' AND c.conparentid = 0 AND (c.conrelid = target.oid OR c.confrelid = target.oid))
        SELECT k.conname::text, k.conrelid::regclass::text,
            ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(n, i)
                  JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.i),
            k.confrelid::regclass::text,
            ARRAY(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY u(n, i)
                  JOIN pg_catalog.pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.i),
            k.confupdtype::text, k.condeferrable, k.incoming, k.outgoing, k.conrelid::int4
        FROM keys k WHERE k.incoming OR k.outgoing
        ORDER BY 1
        """

    /// User triggers an UPDATE of the chosen columns fires for the service's session: on the relations `$3`
    /// (`oid[]`: the table, its partitions, tables a cascade updates), for UPDATE (tgtype bit 16), enabled for origin
    /// sessions (`O`, `A`), with no column list or one naming a chosen column (or, on another table, any). Clones of a
    /// partitioned table's trigger are listed once, on the table. Also: whether the service's role owns the relation.
    static let triggers = """
        SELECT t.tgname::text, t.tgrelid::regclass::text, t.tgtype::int,
            p.oid::regprocedure::text, pg_catalog.pg_has_role(c.relowner, 'USAGE')
        FROM pg_catalog.pg_trigger t
        JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid
        JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
        WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND t.tgrelid = ANY($3::oid[]) AND (t.tgtype::int & 16) <> 0
          AND t.tgenabled IN ('O', 'A')
          AND (cardinality(t.tgattr) = 0 OR t.tgrelid NOT IN \(tree)
               OR EXISTS (SELECT 1 FROM unnest(t.tgattr) k(n) JOIN pg_catalog.pg_attribute a ON a.attrelid = t.tgrelid AND a.attnum = k.n
                          WHERE a.attname = ANY($2::text[])))
        ORDER BY 2, 1
        """

    /// Rules on UPDATE of the relations `$3` that are enabled for origin sessions, and whether the role owns the table.
    static let rules = """
        SELECT r.rulename::text, r.ev_class::regclass::text, r.is_instead, pg_catalog.pg_has_role(c.relowner, 'USAGE')
        FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_class c ON c.oid = r.ev_class
        WHERE r.ev_class = ANY($3::oid[]) AND r.ev_type = '2' AND r.ev_enabled IN ('O', 'A') AND r.rulename <> '_RETURN'
        ORDER BY 2, 1
        """

    /// Publications that publish UPDATEs of the table or one of its partitions (listed tables, schemas, all tables)
    /// and include a chosen column (no column list, or one naming it).
    static let publications = """
        SELECT DISTINCT p.pubname::text, p.puballtables
        FROM pg_catalog.pg_publication p
        JOIN pg_catalog.pg_publication_tables pt ON pt.pubname = p.pubname
        JOIN pg_catalog.pg_class c ON c.relname = pt.tablename
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace AND n.nspname = pt.schemaname
        WHERE p.pubupdate AND c.oid IN \(tree)
          AND (pt.attnames IS NULL OR pt.attnames::text[] && $2::text[])
        ORDER BY 1
        """

    /// Logical replication slots of the database: whoever consumes them receives every published change.
    static let replicationSlots = """
        SELECT slot_name::text, coalesce(plugin, '')::text, active FROM pg_catalog.pg_replication_slots
        WHERE slot_type = 'logical' AND database = current_database() ORDER BY 1
        """

    /// Views and materialized views whose definition reads a chosen column (or the whole row) of the table.
    static let dependents = """
        SELECT DISTINCT v.oid::regclass::text, v.relkind = 'm'
        FROM pg_catalog.pg_depend d
        JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid AND d.classid = 'pg_catalog.pg_rewrite'::regclass
        JOIN pg_catalog.pg_class v ON v.oid = r.ev_class
        WHERE d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid IN \(tree)
          AND v.oid <> d.refobjid AND v.relkind IN ('v', 'm')
          AND (d.refobjsubid = 0 OR d.refobjsubid IN (SELECT attnum FROM pg_catalog.pg_attribute
                                                      WHERE attrelid = d.refobjid AND attname = ANY($2::text[])))
        ORDER BY 1
        """

    /// Stored generated columns of the table: name, expression, and the columns it is computed from.
    static let generatedColumns = """
        SELECT a.attname::text, pg_catalog.pg_get_expr(ad.adbin, ad.adrelid),
            ARRAY(SELECT s.attname::text FROM pg_catalog.pg_depend d
                  JOIN pg_catalog.pg_attribute s ON s.attrelid = d.refobjid AND s.attnum = d.refobjsubid
                  WHERE d.classid = 'pg_catalog.pg_attrdef'::regclass AND d.objid = ad.oid AND d.refobjsubid > 0 AND d.refobjsubid <> a.attnum
                  ORDER BY s.attnum)
        FROM pg_catalog.pg_attribute a
        JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
        WHERE a.attrelid = to_regclass($1) AND a.attgenerated = 's' AND NOT a.attisdropped
        ORDER BY a.attnum
        """

    /// Indexes of the table over an expression of a chosen column, or with a predicate on one: name, definition,
    /// unique.
    static let computedIndexes = """
        SELECT i.indexrelid::regclass::text, pg_catalog.pg_get_indexdef(i.indexrelid), i.indisunique
        FROM pg_catalog.pg_index i
        WHERE i.indrelid = to_regclass($1) AND (i.indexprs IS NOT NULL OR i.indpred IS NOT NULL)
          AND EXISTS (SELECT 1 FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                      WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = i.indexrelid AND a.attname = ANY($2::text[]))
        ORDER BY 1
        """

    /// CHECK constraints of the table on a chosen column, and of the domains (one level) that are a chosen column's
    /// type: name, definition, the domain (NULL for the table's own).
    static let checks = """
        SELECT c.conname::text, pg_catalog.pg_get_constraintdef(c.oid), NULL::text
        FROM pg_catalog.pg_constraint c
        WHERE c.conrelid = to_regclass($1) AND c.contype = 'c' AND c.conparentid = 0
          AND EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                      WHERE a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey) AND a.attname = ANY($2::text[]))
        UNION ALL
        SELECT c.conname::text, pg_catalog.pg_get_constraintdef(c.oid), c.contypid::regtype::text
        FROM pg_catalog.pg_constraint c
        WHERE c.contype = 'c' AND c.contypid IN (SELECT atttypid FROM pg_catalog.pg_attribute
                                                WHERE attrelid = to_regclass($1) AND attname = ANY($2::text[]))
        ORDER BY 1
        """

    /// The chosen columns under a unique constraint or unique index of the table.
    static let uniqueColumns = """
        SELECT DISTINCT a.attname::text FROM pg_catalog.pg_index i
        JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
        WHERE i.indrelid = to_regclass($1) AND i.indisunique AND a.attname = ANY($2::text[])
        ORDER BY 1
        """

    /// The chosen columns in the table's partition key.
    static let partitionKeyColumns = """
        SELECT a.attname::text FROM pg_catalog.pg_partitioned_table p
        JOIN pg_catalog.pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = ANY(p.partattrs)
        WHERE p.partrelid = to_regclass($1) AND a.attname = ANY($2::text[])
        """
}
