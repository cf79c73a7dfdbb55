import Foundation
import LLMPoolCore
import Testing

@Suite("HMAC request signatures")
struct HMACRequestVerifierTests {
    static let now = Date(timeIntervalSince1970: 1_750_000_000)
    static let body = Array(#"{"task":"expand_queries","input":"swift"}"#.utf8)
    static let configuration = SecurityConfiguration.HMAC(
        maxSkew: .seconds(300),
        tenants: ["k1": "team-a"],
        keys: ["k1": Secret("s3cret"), "k2": Secret("other")]
    )

    static func verifier(nonces: any NonceStore = InMemoryNonceStore(clock: TestClock())) -> HMACRequestVerifier {
        HMACRequestVerifier(configuration: configuration, nonceStore: nonces, now: { now })
    }

    static func request(
        keyID: String = "k1",
        secret: String = "s3cret",
        body: [UInt8] = body,
        signedBody: [UInt8]? = nil,
        timestamp: Int = Int(now.timeIntervalSince1970),
        nonce: String = "n-1"
    ) -> AuthenticationRequest {
        let headers = HMACRequestSigner(keyID: keyID, secret: Secret(secret))
            .headers(method: "post", path: "/v1/infer", body: signedBody ?? body, timestamp: timestamp, nonce: nonce)
        return AuthenticationRequest(method: "POST", path: "/v1/infer", headers: headers, body: body)
    }

    static func failure(_ verifier: HMACRequestVerifier, _ request: AuthenticationRequest) async -> PoolError? {
        do {
            _ = try await verifier.verify(request)
            return nil
        } catch {
            return error as? PoolError
        }
    }

    @Test("a correctly signed request gives the key's tenant")
    func valid() async throws {
        let principal = try await Self.verifier().verify(Self.request())
        #expect(principal == AuthenticatedPrincipal(tenant: "team-a", subject: "k1", method: .hmac))
        let other = try await Self.verifier().verify(Self.request(keyID: "k2", secret: "other"))
        #expect(other.tenant == "k2")
    }

    @Test("the signature is the documented HMAC-SHA256 over method, path, timestamp, nonce and body hash")
    func knownVector() {
        // Computed independently in Python:
        // hmac.new(b"key", b"GET\n/healthz\n1700000000\nabc\n" + sha256(b"").hexdigest().encode(), sha256).hexdigest()
        let headers = HMACRequestSigner(keyID: "id", secret: Secret("key")).headers(
            method: "GET",
            path: "/healthz",
            body: [],
            timestamp: 1_700_000_000,
            nonce: "abc"
        )
        #expect(headers["x-llm-pool-key-id"] == "id")
        #expect(headers["x-llm-pool-timestamp"] == "1700000000")
        #expect(headers["x-llm-pool-nonce"] == "abc")
        #expect(headers["x-llm-pool-signature"] == Self.pythonSignature)
    }

    static let pythonSignature = "3cea1110662eac05ec4361ae86bc9ceb8dfd4b4440cc4075c983c1d94f96a423"

    struct BadCase: Sendable, CustomTestStringConvertible {
        var name: String
        var request: AuthenticationRequest
        var message: String
        var reason: AuthenticationFailure.Reason
        var testDescription: String { name }
    }

    static let badCases: [BadCase] = [
        .init(
            name: "wrong key",
            request: request(secret: "guess"),
            message: "signature mismatch",
            reason: .badSignature
        ),
        .init(
            name: "tampered body",
            request: request(body: Array(#"{"task":"judge","input":"swift"}"#.utf8), signedBody: body),
            message: "signature mismatch",
            reason: .badSignature
        ),
        .init(
            name: "timestamp too old",
            request: request(timestamp: Int(now.timeIntervalSince1970) - 301),
            message: "timestamp outside the 300 s window",
            reason: .clockSkew
        ),
        .init(
            name: "timestamp in the future",
            request: request(timestamp: Int(now.timeIntervalSince1970) + 301),
            message: "timestamp outside the 300 s window",
            reason: .clockSkew
        ),
        .init(
            name: "unknown key id",
            request: request(keyID: "nobody"),
            message: "unknown key id 'nobody'",
            reason: .unknownKey
        ),
        .init(
            name: "missing nonce",
            request: {
                var r = request(); r.headers["x-llm-pool-nonce"] = nil; return r
            }(),
            message: "missing x-llm-pool-nonce",
            reason: .malformed
        ),
        .init(
            name: "signature not hex",
            request: {
                var r = request(); r.headers["x-llm-pool-signature"] = "zz"; return r
            }(),
            message: "signature mismatch",
            reason: .badSignature
        ),
        .init(
            name: "timestamp not a number",
            request: {
                var r = request(); r.headers["x-llm-pool-timestamp"] = "yesterday"; return r
            }(),
            message: "must be unix seconds",
            reason: .malformed
        ),
    ]

    @Test("bad signatures are refused with a reason that names no secret", arguments: badCases)
    func refused(_ bad: BadCase) async throws {
        let error = try #require(await Self.failure(Self.verifier(), bad.request))
        #expect(error.code == .unauthenticated)
        #expect(error.message.contains(bad.message), "\(error.message)")
        #expect(error.authenticationFailureReason == bad.reason)
        #expect(!error.message.contains("s3cret") && !error.description.contains("s3cret"))
    }

    @Test("a replayed nonce is refused, even though its signature is valid")
    func replay() async throws {
        let verifier = Self.verifier()
        _ = try await verifier.verify(Self.request(nonce: "once"))
        let error = try #require(await Self.failure(verifier, Self.request(nonce: "once")))
        #expect(error.message == "nonce already used")
        #expect(error.authenticationFailureReason == .replayedNonce)
        // Another key may use the same nonce.
        _ = try await verifier.verify(Self.request(keyID: "k2", secret: "other", nonce: "once"))
    }

    @Test("a request with a bad signature does not use up its nonce")
    func badSignatureKeepsNonce() async throws {
        let verifier = Self.verifier()
        _ = await Self.failure(verifier, Self.request(secret: "guess", nonce: "n"))
        _ = try await verifier.verify(Self.request(nonce: "n"))
    }

    @Test("a nonce store that cannot be reached fails closed")
    func storeDown() async throws {
        struct Down: NonceStore {
            func insertIfAbsent(_ nonce: String, ttl: Duration) async throws -> Bool { throw CancellationError() }
        }
        let error = try #require(await Self.failure(Self.verifier(nonces: Down()), Self.request()))
        #expect(error.code == .unavailable)
        #expect(error.authenticationFailureReason == .storeUnavailable)
    }

    @Test("nonces are kept for twice the skew window")
    func nonceTTL() async throws {
        actor Recorder: NonceStore {
            var ttl: Duration?
            func insertIfAbsent(_ nonce: String, ttl: Duration) async throws -> Bool {
                self.ttl = ttl
                return true
            }
        }
        let recorder = Recorder()
        _ = try await Self.verifier(nonces: recorder).verify(Self.request())
        #expect(await recorder.ttl == .seconds(600))
    }
}

@Suite("In-memory nonce store")
struct InMemoryNonceStoreTests {
    @Test("a nonce is refused until its TTL passes")
    func expiry() async throws {
        let clock = TestClock()
        let store = InMemoryNonceStore(clock: clock)
        #expect(try await store.insertIfAbsent("a", ttl: .seconds(10)))
        #expect(try await !store.insertIfAbsent("a", ttl: .seconds(10)))
        clock.advance(by: .seconds(9))
        #expect(try await !store.insertIfAbsent("a", ttl: .seconds(10)))
        clock.advance(by: .seconds(1))
        #expect(try await store.insertIfAbsent("a", ttl: .seconds(10)))
    }

    @Test("expired nonces are dropped and the store never holds more than its capacity")
    func bounded() async throws {
        let clock = TestClock()
        let store = InMemoryNonceStore(capacity: 3, clock: clock)
        for nonce in ["a", "b", "c"] { #expect(try await store.insertIfAbsent(nonce, ttl: .seconds(10))) }
        #expect(try await store.insertIfAbsent("d", ttl: .seconds(10)))
        #expect(store.count == 3)
        // "a" was the oldest and made room for "d".
        #expect(try await !store.insertIfAbsent("b", ttl: .seconds(10)))
        clock.advance(by: .seconds(10))
        #expect(try await store.insertIfAbsent("e", ttl: .seconds(10)))
        #expect(store.count == 1)
    }
}
