import Foundation
import LLMPoolCore
import Synchronization

/// The result of the last configuration reload, for the console: set by the ``ConfigReloader``
/// after every reload, read on request.
public final class ReloadStatus: Sendable {
    /// One reload's outcome.
    public struct Outcome: Sendable, Hashable {
        /// `applied`, `rejected` (the file is invalid) or `failed` (valid, but could not be applied).
        public var result: String
        /// When it ended.
        public var at: Date
        /// The problems, each with its key path; empty when applied.
        public var errors: [String]

        /// Creates an outcome.
        public init(result: String, at: Date, errors: [String] = []) {
            self.result = result
            self.at = at
            self.errors = errors
        }
    }

    private let last = Mutex<Outcome?>(nil)

    /// Creates a status with no reload yet.
    public init() {}

    /// The last reload's outcome; `nil` before the first.
    public var outcome: Outcome? { last.withLock { $0 } }

    /// Records a reload's result.
    public func record(_ result: ConfigReloadResult, at date: Date = Date()) {
        let outcome: Outcome
        switch result {
        case .applied:
            outcome = Outcome(result: "applied", at: date)
        case .rejected(let error):
            outcome = Outcome(result: "rejected", at: date, errors: error.issues.map { "\($0)" })
        case .failed(let error):
            outcome = Outcome(result: "failed", at: date, errors: ["\(error)"])
        }
        last.withLock { $0 = outcome }
    }
}
