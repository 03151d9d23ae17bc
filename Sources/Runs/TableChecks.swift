import AccessControl
import Tokenization
import WarehouseKit

/// Decides, before any row changes, whether a run may write its columns given what the catalog shows around them
/// (`TableInspection`), and what the record must say about it. Pure: no I/O.
///
/// - Refused, naming the object and what to do: a foreign key the tokens would break (one referencing a chosen column
///   without `ON UPDATE CASCADE`, or `SET NULL`/`SET DEFAULT`, which would erase the references; one from a chosen
///   column that still holds plaintext), a generated column tagged while its sources are not, a partition-key column,
///   and triggers or rules the UPDATE would fire unless the policy says `fire` or `skip`.
/// - Carried out: `ON UPDATE CASCADE` carries each token to the referencing rows; a generated column whose sources are
///   all tokenized is left to PostgreSQL to compute from the tokens.
/// - Named: every place that holds or receives a copy of the old values (triggers that fire, publications and slots,
///   materialized views, indexes over computed values, generated columns).
public struct TableChecks: Sendable {
    public init() {}

    public struct Verdict: Sendable, Equatable {
        /// Why the run may not change any row, each with what to do; empty when it may.
        public var refusals: [String] = []
        /// The columns the batches write (a chosen generated column is PostgreSQL's to compute).
        public var columns: [ColumnPlan] = []
        /// What the run does and leaves for the record (`TableReport`).
        public var report = TableReport()
        /// The triggers and rules each batch disables (policy `skip`).
        public var skip = TriggerSkip()
        /// Whether a rehearsal (sampled rows written in a transaction rolled back) must show first that PostgreSQL
        /// accepts the tokens: CHECK constraints, domains, cascades, triggers that fire, unique columns normalized.
        public var rehearse = false
    }

    /// - Parameters:
    ///   - plaintextInReferencingColumns: whether a chosen column that references another table holds plaintext (a
    ///     token written there would not exist in the referenced table); nil when the caller did not count.
    public func decide(
        _ inspection: TableInspection, description: TableDescription, columns: [ColumnPlan], triggers handling: TableRule.Triggers,
        plaintextInReferencingColumns: Bool? = nil
    ) -> Verdict {
        var verdict = Verdict()
        let chosen = Set(columns.map(\.name))
        var report = TableReport()

        // Generated columns: computed by PostgreSQL, never written.
        for generated in inspection.generatedColumns {
            let sources = Set(generated.sources)
            if chosen.contains(generated.name) {
                if !sources.isEmpty && sources.isSubset(of: chosen) {
                    report.recomputed[generated.name] =
                        "generated from \(generated.sources.joined(separator: ", ")) (\(generated.expression)): PostgreSQL computes it "
                        + "again from the tokens"
                } else {
                    let missing = generated.sources.filter { !chosen.contains($0) }
                    verdict.refusals.append(
                        "column \(generated.name) is GENERATED ALWAYS AS (\(generated.expression)) and cannot be written; tokenize the "
                            + "column(s) it is computed from (\(missing.joined(separator: ", "))) in the same run, and PostgreSQL computes "
                            + "it from their tokens"
                    )
                }
            } else if !sources.isDisjoint(with: chosen) {
                report.copies.append(
                    "generated column \(generated.name) = \(generated.expression) is computed again from the tokens; its old values stay in "
                        + "dead row versions until VACUUM"
                )
            }
        }
        verdict.columns = columns.filter { report.recomputed[$0.name] == nil }

        for key in inspection.foreignKeys {
            if key.referencesChosen {
                switch key.onUpdate {
                case .cascade:
                    report.cascades.append(
                        "\(key.referencing)(\(key.referencingColumns.joined(separator: ", "))) receives each token through \(key.name) (ON "
                            + "UPDATE CASCADE)"
                    )
                    verdict.rehearse = true
                case .setNull, .setDefault:
                    verdict.refusals.append(
                        "foreign key \(key.description) would \(key.onUpdate == .setNull ? "set" : "reset") "
                            + "\(key.referencing).\(key.referencingColumns.joined(separator: ", ")) to "
                            + "\(key.onUpdate == .setNull ? "NULL" : "its default") for every token written, erasing the references; "
                            + "change it to ON UPDATE CASCADE so the tokens reach the referencing rows"
                    )
                case .noAction, .restrict:
                    verdict.refusals.append(
                        "foreign key \(key.description) references a column this run tokenizes, and a token would leave "
                            + "\(key.referencing)'s rows pointing at a value that no longer exists; redefine it with ON UPDATE CASCADE "
                            + "(ALTER TABLE \(key.referencing) DROP CONSTRAINT \(key.name), then ADD it again … ON UPDATE CASCADE) so "
                            + "PostgreSQL writes each token into the referencing rows, then request the run again"
                    )
                }
            }
            if key.chosenReferences, !key.referencesChosen || key.referencing != key.referenced {
                if plaintextInReferencingColumns != false {
                    verdict.refusals.append(
                        "foreign key \(key.description) makes \(key.referencingColumns.joined(separator: ", ")) hold values of "
                            + "\(key.referenced); a token written here would not exist there. Tokenize "
                            + "\(key.referenced)(\(key.referencedColumns.joined(separator: ", "))) instead, with the constraint ON "
                            + "UPDATE CASCADE, and its tokens reach this table"
                    )
                } else {
                    report.checked.append("\(key.name): the referencing column holds no plaintext, nothing to write")
                }
            }
        }

        for column in inspection.partitionKeyColumns {
            verdict.refusals.append(
                "column \(column) is in \(inspection.table)'s partition key: a token would move its rows to another partition; tokenize a "
                    + "copy of the column instead, or repartition on another column"
            )
        }

        // Triggers and rules: refused unless the policy chose.
        if !inspection.triggers.isEmpty {
            let list = inspection.triggers.map(\.description).joined(separator: "; ")
            switch handling {
            case .refuse:
                verdict.refusals.append(
                    "an UPDATE of \(columns.map(\.name).joined(separator: ", ")) fires \(list): each may copy the old values elsewhere. Set "
                        + "the policy's tables[].triggers for this dataset to fire (they run; the record names them) or skip (each batch "
                        + "disables them in its own transaction; needs the table's owner)"
                )
            case .fire:
                report.triggers = "fired (policy): \(list)"
                report.copies.append(
                    contentsOf: inspection.triggers.map {
                        "\($0.description) fired for every row changed: it saw each old value and may have kept a copy"
                    })
                verdict.rehearse = true
            case .skip:
                if inspection.mayDisableTriggers {
                    report.triggers = "skipped (policy): each batch disabled \(list) in its own transaction"
                    verdict.skip = TriggerSkip(triggers: inspection.triggers)
                } else {
                    verdict.refusals.append(
                        "the policy says skip for \(list), but the service's role does not own every table they are on, and ALTER TABLE … "
                            + "DISABLE TRIGGER needs the owner; grant it ownership (or membership in the owning role), or set "
                            + "tables[].triggers to fire"
                    )
                }
            }
        }

        let replicaFull = inspection.replicaIdentity == "full"
        for publication in inspection.publications {
            let scope = publication.allTables ? "FOR ALL TABLES" : "including \(inspection.table)"
            let carried =
                replicaFull
                ? "; with REPLICA IDENTITY FULL each change carries the old values too"
                : ": the new tokens, and the old values only of replica-identity columns"
            report.copies.append(
                "publication \(publication.name) (\(scope)) streams every change to its subscribers and change-data-capture readers (such "
                    + "as Debezium)\(carried)")
        }
        for slot in inspection.replicationSlots {
            report.copies.append(
                "logical replication slot \(slot.name) (\(slot.plugin.isEmpty ? "no plugin" : slot.plugin), "
                    + "\(slot.active ? "active" : "inactive")) keeps the changes until its consumer reads them"
            )
        }
        for dependent in inspection.dependents {
            report.copies.append(
                dependent.materialized
                    ? "materialized view \(dependent.name) holds the old values until REFRESH MATERIALIZED VIEW \(dependent.name)"
                    : "view \(dependent.name) reads the column: it shows the tokens")
        }
        for index in inspection.computedIndexes {
            report.copies.append("index \(index.name) (\(index.definition)) holds entries computed from the old values until VACUUM removes them")
            if index.unique { verdict.rehearse = true }
        }
        if !inspection.checks.isEmpty {
            report.checked.append(
                contentsOf: inspection.checks.map { check in
                    "\(check.domain.map { "domain \($0): " } ?? "")\(check.name) \(check.definition)"
                })
            verdict.rehearse = true
        }
        let normalizedUnique = columns.filter { $0.normalization != .none && inspection.uniqueColumns.contains($0.name) }
        if !normalizedUnique.isEmpty {
            report.checked.append(
                "unique \(normalizedUnique.map(\.name).joined(separator: ", ")): two values with one normalized form would share a token")
            verdict.rehearse = true
        }
        if description.columns.contains(where: { chosen.contains($0.name) && $0.isDomain }) { verdict.rehearse = true }
        verdict.report = report
        return verdict
    }
}

/// What a run found around its table and did about it: in the record, the audit trail, the plan and DataHub.
public struct TableReport: Sendable, Equatable, Codable {
    /// Places that hold or receive a copy of the old values, in words.
    public var copies: [String] = []
    /// Referencing columns that receive the tokens by `ON UPDATE CASCADE`.
    public var cascades: [String] = []
    /// Generated columns left to PostgreSQL: name → why.
    public var recomputed: [String: String] = [:]
    /// The triggers and rules the UPDATE fires and what was done about them (nil: none).
    public var triggers: String?
    /// Constraints the tokens must satisfy, and the rehearsal's outcome.
    public var checked: [String] = []
    /// The rehearsal before the first batch (sampled rows written in a transaction rolled back), in words.
    public var rehearsal: String?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case copies, cascades, recomputed, triggers, checked, rehearsal
    }

    public var isEmpty: Bool { copies.isEmpty && cascades.isEmpty && recomputed.isEmpty && triggers == nil && checked.isEmpty && rehearsal == nil }

    /// One paragraph for the run's details and DataHub.
    public var sentence: String {
        var parts: [String] = []
        if let triggers { parts.append("triggers \(triggers)") }
        if !cascades.isEmpty { parts.append(cascades.joined(separator: "; ")) }
        if !recomputed.isEmpty { parts.append(recomputed.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: "; ")) }
        if !copies.isEmpty { parts.append("copies of the old values: " + copies.joined(separator: "; ")) }
        if let rehearsal { parts.append(rehearsal) }
        return parts.joined(separator: ". ")
    }
}
