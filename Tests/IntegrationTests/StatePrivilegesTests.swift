import Testing

@testable import RunLedger

/// The sentence a missing privilege in the state database is reported with: pure, no server needed.
@Suite struct StatePrivilegesTests {
    private func privileges(
        mayCreateSchema: Bool = true, owner: String? = nil, mayUseSchema: Bool = false, tables: [StatePrivileges.Table] = []
    ) -> StatePrivileges {
        StatePrivileges(
            role: "app", database: "state", mayCreateSchema: mayCreateSchema, schemaOwner: owner, mayUseSchema: mayUseSchema,
            inaccessibleTables: tables)
    }

    @Test func aRoleThatMayCreateTheSchemaHasNoProblem() {
        #expect(privileges().problem == nil)
        #expect(privileges(owner: "app", mayUseSchema: true).problem == nil)
    }

    @Test func noCreateOnTheDatabaseNamesTheGrantAndTheSetting() throws {
        let problem = try #require(privileges(mayCreateSchema: false).problem)
        #expect(problem.contains("role \"app\" may not create schema tokenize_action in database \"state\""))
        #expect(problem.contains("GRANT CREATE ON DATABASE \"state\" TO \"app\""))
        #expect(problem.contains("STATE_DATABASE"))
    }

    @Test func aSchemaOwnedByAnotherRoleNamesItsOwner() throws {
        let problem = try #require(privileges(mayCreateSchema: false, owner: "admin", mayUseSchema: false).problem)
        #expect(problem.contains("lacks USAGE and CREATE on schema tokenize_action"))
        #expect(problem.contains("owned by \"admin\""))
        #expect(problem.contains("POSTGRES_USER"))
    }

    @Test func inaccessibleTablesAreCountedAndTheFirstNamed() throws {
        let tables = [StatePrivileges.Table(name: "approvals", owner: "admin"), .init(name: "runs", owner: "admin")]
        let problem = try #require(privileges(owner: "admin", mayUseSchema: true, tables: tables).problem)
        #expect(problem.contains("tokenize_action.approvals and 1 other table(s)"))
        #expect(problem.contains("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA tokenize_action TO \"app\""))
    }

    @Test func quotesInNamesAreDoubledSoTheAdviceCanBePasted() {
        #expect(StatePrivileges.quoted("we\"ird") == "\"we\"\"ird\"")
    }
}
