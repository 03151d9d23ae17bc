import Catalog
import Foundation
import WarehouseKit

/// A pass's requests and their destinations grouped so that each table is erased once for every request that names
/// it with the same columns and action. Pure.
struct ErasureBatches {
    struct Group: Equatable {
        var dataset: DatasetURN
        var match: [String]
        var cells: [String]
        var effect: ErasureEffect
        var kinds: Set<IdentifierKind>
        var requestIDs: [String]
    }

    private(set) var records: [ErasureRecord]
    private(set) var groups: [Group] = []

    init(_ records: [ErasureRecord]) {
        self.records = records
        var index: [String: Int] = [:]
        for record in records {
            for destination in record.destinations where destination.state == .pending || destination.state == .failed {
                let key = "\(destination.dataset)|\(destination.match)|\(destination.cells)|\(destination.effect.rawValue)"
                if let at = index[key] {
                    groups[at].requestIDs.append(record.id)
                    groups[at].kinds.formUnion(destination.kinds)
                } else {
                    index[key] = groups.count
                    groups.append(
                        Group(
                            dataset: destination.dataset, match: destination.match, cells: destination.cells, effect: destination.effect,
                            kinds: Set(destination.kinds), requestIDs: [record.id]))
                }
            }
        }
    }

    /// Applies `change` to the group's destination in each of its requests.
    mutating func update(_ group: Group, _ change: (inout ErasureDestination, String) -> Void) {
        for (r, record) in records.enumerated() where group.requestIDs.contains(record.id) {
            for (d, destination) in record.destinations.enumerated()
            where destination.dataset == group.dataset && destination.match == group.match && destination.effect == group.effect {
                change(&records[r].destinations[d], record.id)
            }
        }
    }

    mutating func update(_ group: Group, _ change: (inout ErasureDestination) -> Void) {
        update(group) { destination, _ in change(&destination) }
    }
}

extension ErasureDestination {
    mutating func done(rows: Int, residue: String) {
        state = .done
        attempts += 1
        rowsAffected = rows
        remaining = 0
        self.residue = residue
        error = nil
        doneAt = Date()
    }

    mutating func fail(_ reason: String) {
        state = .failed
        attempts += 1
        error = reason
    }

    mutating func unreachable(_ reason: String) {
        state = .unreachable
        attempts += 1
        error = reason
    }
}

extension ErasureRecord {
    /// Takes a fresh plan while some destination is unreachable: a done destination stays as it is; every other one is
    /// replaced by what DataHub says now (a dataset named again is pending, and its next attempt says whether it is
    /// reachable); one DataHub no longer names is dropped; a new one is added. Returns the datasets added and dropped.
    mutating func replan(_ fresh: [ErasureDestination]) -> (added: [String], dropped: [String]) {
        let done = destinations.filter { $0.state == .done }
        let doneSets = Set(done.map(\.dataset))
        let before = Set(destinations.map(\.dataset))
        var next = done
        for destination in fresh where !doneSets.contains(destination.dataset) {
            var taken = destination
            taken.attempts = destinations.first { $0.dataset == destination.dataset }?.attempts ?? 0
            next.append(taken)
        }
        next.sort { $0.dataset < $1.dataset }
        let after = Set(next.map(\.dataset))
        destinations = next
        return (after.subtracting(before).map(\.description).sorted(), before.subtracting(after).map(\.description).sorted())
    }
}
