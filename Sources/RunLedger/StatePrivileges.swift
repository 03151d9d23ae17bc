import PostgresNIO
import PostgresSupport

/// What the service's role may do in the state database, read before the first migration so that a missing
/// privilege is reported by name (role, database, privilege, setting) instead of as the statement that hit it.
struct StatePrivileges: Sendable, Equatable {
    var role: String
    var database: String
    /// CREATE on the database: needed to create schema `tokenize_action` the first time.
    var mayCreateSchema: Bool
    /// The schema's owner, when the schema exists.
    var schemaOwner: String?
    /// USAGE and CREATE on the schema, when it exists.
    var mayUseSchema: Bool
    /// The schema's tables the role may not read and write.
    var inaccessibleTables: [Table]

    /// A table of the schema and its owner.
    struct Table: Sendable, Equatable {
        var name: String
        var owner: String
    }

    /// What is missing, as one sentence that says how to grant it; nil when the role may run the service.
    var problem: String? {
        let role = Self.quoted(self.role)
        let database = Self.quoted(self.database)
        guard let owner = schemaOwner else {
            guard mayCreateSchema else {
                return "role \(role) may not create schema tokenize_action in database \(database) (it lacks CREATE on the database): "
                    + "GRANT CREATE ON DATABASE \(database) TO \(role), or set STATE_DATABASE to a database it may create schemas in"
            }
            return nil
        }
        guard mayUseSchema else {
            return "role \(role) lacks USAGE and CREATE on schema tokenize_action in database \(database) (owned by \(Self.quoted(owner))): "
                + "GRANT USAGE, CREATE ON SCHEMA tokenize_action TO \(role), or set POSTGRES_USER to the schema's owner"
        }
        if let first = inaccessibleTables.first {
            let more = inaccessibleTables.count > 1 ? " and \(inaccessibleTables.count - 1) other table(s)" : ""
            return "role \(role) lacks SELECT, INSERT, UPDATE and DELETE on tokenize_action.\(first.name)\(more) in database \(database) "
                + "(owned by \(Self.quoted(first.owner))): set POSTGRES_USER to the owner, or GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES "
                + "IN SCHEMA tokenize_action TO \(role)"
        }
        return nil
    }

    /// An identifier as SQL writes it (double quotes, doubled inside), so the advice can be pasted.
    static func quoted(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    static let query = """
        SELECT current_user::text, current_database()::text, has_database_privilege(current_database(), 'CREATE'),
               pg_get_userbyid(n.nspowner)::text,
               coalesce(has_schema_privilege(n.oid, 'USAGE') AND has_schema_privilege(n.oid, 'CREATE'), false)
        FROM (SELECT 1) AS one LEFT JOIN pg_namespace n ON n.nspname = 'tokenize_action'
        """

    /// Tables of the schema the role may not read and write (the role may use the schema when this is asked).
    static let tablesQuery = """
        SELECT c.relname::text, pg_get_userbyid(c.relowner)::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'tokenize_action' AND c.relkind IN ('r', 'p')
          AND NOT has_table_privilege(c.oid, 'SELECT, INSERT, UPDATE, DELETE') ORDER BY c.relname
        """

    /// Reads the role's privileges over `connection`.
    static func read(_ connection: PostgresConnection, logger: Logger) async throws -> StatePrivileges {
        var privileges: StatePrivileges?
        let rows = try await connection.guardedQuery(PostgresQuery(unsafeSQL: query), logger: logger)
        for try await (role, database, mayCreateSchema, owner, mayUseSchema) in rows.decode((String, String, Bool, String?, Bool).self) {
            privileges = StatePrivileges(
                role: role, database: database, mayCreateSchema: mayCreateSchema, schemaOwner: owner, mayUseSchema: mayUseSchema,
                inaccessibleTables: [])
        }
        guard var privileges else { throw PostgresFailure(.statement, "the privilege query answered no row") }
        if privileges.schemaOwner != nil, privileges.mayUseSchema {
            for try await (table, owner) in try await connection.guardedQuery(PostgresQuery(unsafeSQL: tablesQuery), logger: logger).decode(
                (String, String).self)
            {
                privileges.inaccessibleTables.append(Table(name: table, owner: owner))
            }
        }
        return privileges
    }
}
