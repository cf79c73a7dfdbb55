import Testing

@testable import LLMPoolObservability

@Suite("Process metrics")
struct ProcessMetricsCollectorTests {
    @Test(.enabled(if: ProcSelf.read("/proc/self/stat") != nil, "needs /proc"))
    func processMetricsArePresent() throws {
        let registry = MetricsRegistry()
        ProcessMetricsCollector.install(on: registry)
        let text = registry.render(format: .prometheus)
        func value(_ name: String) throws -> Double {
            let line = try #require(text.split(separator: "\n").first { $0.hasPrefix(name + " ") }, "\(name) missing")
            return try #require(Double(line.dropFirst(name.count + 1)))
        }
        #expect(try value("process_resident_memory_bytes") > 1_000_000)
        #expect(try value("process_virtual_memory_bytes") >= value("process_resident_memory_bytes"))
        #expect(try value("process_cpu_seconds_total") >= 0)
        #expect(try value("process_open_fds") >= 3)
        #expect(try value("process_max_fds") >= value("process_open_fds"))
        #expect(try value("process_start_time_seconds") > 1_600_000_000)

        let openMetrics = registry.render(format: .openMetrics)
        #expect(openMetrics.contains("# TYPE process_cpu_seconds counter\n# UNIT process_cpu_seconds seconds\n"))
        #expect(openMetrics.contains("\nprocess_cpu_seconds_total "))
    }

    @Test func statParsing() throws {
        // The command name may hold spaces and parentheses.
        let text =
            "4242 (llm pool (x)) S 1 4242 4242 0 -1 4194560 3000 0 0 0 250 50 0 0 20 0 9 0 12345 734003200 4096 "
            + "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n"
        let stat = try #require(ProcSelf.parseStat(text))
        #expect(stat == ProcSelf.Stat(cpuTicks: 300, startTicks: 12345, virtualBytes: 734_003_200, residentPages: 4096))
    }

    @Test func limitsAndBootTimeParsing() {
        let limits = """
            Limit                     Soft Limit           Hard Limit           Units
            Max processes             127448               127448               processes
            Max open files            1024                 1048576              files
            """
        #expect(ProcSelf.parseMaxOpenFiles(limits) == 1024)
        #expect(ProcSelf.parseBootTime("cpu  1 2 3\nbtime 1700000000\nprocesses 10\n") == 1_700_000_000)
    }
}
