// A libFuzzer target (scripts/fuzz.sh) over what llm-pool parses from outside: the configuration
// loader, the prompt renderer, the RESP parser and the OpenAI (SSE) and Ollama (NDJSON) stream
// decoders. The input's first byte chooses the parser, the rest is its input. Built only with
// LLMPOOL_FUZZ=1 and `-sanitize=fuzzer,address`; this file is the program's `main`, which hands
// over to libFuzzer's driver (SwiftPM's executable would otherwise hide libFuzzer's own `main`).
import Foundation
import NIOCore

@testable import LLMPoolCore

/// libFuzzer's driver (compiler-rt `FuzzerDriver.cpp`): parses its flags and runs `callback`.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(runFuzzerDriver(&argc, &argv, fuzzOne))

/// One input; also exported under libFuzzer's name, which its library refers to.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let start else { return 0 }
    let bytes = UnsafeBufferPointer(start: start, count: count)
    guard let selector = bytes.first else { return 0 }
    let input = Array(bytes.dropFirst())
    switch selector % 5 {
    case 0: fuzzConfiguration(String(decoding: input, as: UTF8.self))
    case 1: fuzzPrompt(String(decoding: input, as: UTF8.self))
    case 2: fuzzRESP(input)
    case 3: fuzzOpenAIStream(input)
    default: fuzzOllamaStream(input)
    }
    return 0
}

func fuzzConfiguration(_ text: String) {
    _ = try? ConfigurationLoader.parse(text, path: "fuzz.toml") { _ in "{{input}} {{task}}" }
}

func fuzzPrompt(_ source: String) {
    guard let template = try? PromptTemplate(source: source) else { return }
    _ = template.render(["input": "x", "task": "t"])
}

func fuzzRESP(_ input: [UInt8]) {
    var buffer = ByteBuffer(bytes: input)
    for _ in 0..<64 {
        guard let value = try? RESPParser.parse(&buffer) else { return }
        _ = value
    }
}

/// Splits the bytes into lines as the provider does, in two pieces so a line can straddle them.
func lines(_ input: [UInt8]) -> [String] {
    var splitter = ByteLineSplitter(maxLineBytes: 1 << 16)
    let middle = input.count / 2
    var lines: [String] = []
    do {
        lines += try splitter.append(ByteBuffer(bytes: input[..<middle]))
        lines += try splitter.append(ByteBuffer(bytes: input[middle...]))
    } catch {
        return lines
    }
    if let last = splitter.finish() { lines.append(last) }
    return lines
}

func fuzzOpenAIStream(_ input: [UInt8]) {
    var events = SSEEventParser()
    var data = lines(input).compactMap { events.consume(line: $0) }
    if let last = events.finish() { data.append(last) }
    for event in data where event != "[DONE]" {
        _ = try? JSONDecoder().decode(OpenAIWire.Completion.self, from: Data(event.utf8))
    }
}

func fuzzOllamaStream(_ input: [UInt8]) {
    for line in lines(input) where !line.isEmpty {
        _ = try? JSONDecoder().decode(OllamaWire.Chunk.self, from: Data(line.utf8))
    }
}
