import Testing
import Tracing

@testable import LLMPoolObservability

extension TracingTests {
    @Suite("W3C traceparent")
    struct TraceparentTests {
        struct ValidCase: Sendable, CustomTestStringConvertible {
            var header: String
            var traceID: String
            var spanID: String
            var sampled: Bool
            var testDescription: String { header }
        }

        static let valid: [ValidCase] = [
            .init(
                header: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                traceID: "4bf92f3577b34da6a3ce929d0e0e4736",
                spanID: "00f067aa0ba902b7",
                sampled: true
            ),
            .init(
                header: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
                traceID: "4bf92f3577b34da6a3ce929d0e0e4736",
                spanID: "00f067aa0ba902b7",
                sampled: false
            ),
            .init(
                header: "00-00000000000000000000000000000001-0000000000000001-03",
                traceID: "00000000000000000000000000000001",
                spanID: "0000000000000001",
                sampled: true
            ),
            // A later version may append fields; the first four are read.
            .init(
                header: "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future",
                traceID: "4bf92f3577b34da6a3ce929d0e0e4736",
                spanID: "00f067aa0ba902b7",
                sampled: true
            ),
            .init(
                header: "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                traceID: "4bf92f3577b34da6a3ce929d0e0e4736",
                spanID: "00f067aa0ba902b7",
                sampled: true
            ),
        ]

        @Test("valid headers parse", arguments: valid)
        func parsesValid(_ testCase: ValidCase) throws {
            let context = try #require(SpanContext(traceparent: testCase.header))
            #expect(context.traceID.hex == testCase.traceID)
            #expect(context.spanID.hex == testCase.spanID)
            #expect(context.isSampled == testCase.sampled)
            #expect(context.isRemote)
            #expect(context.traceState == nil)
        }

        @Test(
            "invalid headers are rejected",
            arguments: [
                "",
                "00",
                "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  // all-zero trace id
                "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  // all-zero parent id
                "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // forbidden version
                "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  // upper case
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",  // version 00 has exactly 4 fields
                "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",  // later version: fields must be separated
                "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",  // misplaced separator
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",  // bad flags
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7_01",
                "0x-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                " 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            ]
        )
        func rejectsInvalid(_ header: String) {
            #expect(SpanContext(traceparent: header) == nil)
        }

        @Test("formatting round-trips and sends only the sampled flag")
        func formats() throws {
            let header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
            #expect(try #require(SpanContext(traceparent: header)).traceparent == header)
            let withOtherFlags = try #require(
                SpanContext(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03")
            )
            #expect(withOtherFlags.traceparent == header)
            var unsampled = withOtherFlags
            unsampled.isSampled = false
            #expect(unsampled.traceparent.hasSuffix("-00"))
        }

        @Test("tracestate is carried through, blank is dropped")
        func tracestate() throws {
            let header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
            let context = try #require(
                SpanContext(traceparent: header, tracestate: " rojo=00f067aa0ba902b7,congo=t61rcWkgMzE ")
            )
            #expect(context.traceState == "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE")
            #expect(try #require(SpanContext(traceparent: header, tracestate: "  ")).traceState == nil)
        }

        @Test("ids round-trip through hex and bytes")
        func ids() throws {
            let traceID = try #require(TraceID(hex: "4bf92f3577b34da6a3ce929d0e0e4736"))
            #expect(TraceID(bytes: traceID.bytes) == traceID)
            #expect(traceID.bytes.count == 16)
            #expect(TraceID(bytes: [UInt8](repeating: 0, count: 16)) == nil)
            let spanID = try #require(SpanID(hex: "00f067aa0ba902b7"))
            #expect(spanID.bytes == [0x00, 0xF0, 0x67, 0xAA, 0x0B, 0xA9, 0x02, 0xB7])
            #expect(SpanID(bytes: spanID.bytes) == spanID)
            #expect(SpanID(hex: "00f067aa0ba902b") == nil)
        }
    }
}
