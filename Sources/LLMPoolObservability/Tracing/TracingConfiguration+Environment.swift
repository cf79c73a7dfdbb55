extension TracingConfiguration {
    /// This configuration with the OpenTelemetry SDK environment variables applied on top.
    ///
    /// Read, when set and not empty (the OTel specification treats empty as unset):
    /// - `OTEL_SDK_DISABLED=true` turns export off; `OTEL_TRACES_EXPORTER` `otlp` turns it on, `none` off.
    /// - `OTEL_EXPORTER_OTLP_ENDPOINT` (spans go to `<value>/v1/traces`) and
    ///   `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (used as is) set the URL and turn export on, unless
    ///   `OTEL_TRACES_EXPORTER=none` or `OTEL_SDK_DISABLED=true` say otherwise.
    /// - `OTEL_EXPORTER_OTLP_[TRACES_]HEADERS` (`k=v,k2=v2`, percent-decoded) add request headers.
    /// - `OTEL_EXPORTER_OTLP_[TRACES_]COMPRESSION` (`gzip` or `none`), `OTEL_EXPORTER_OTLP_[TRACES_]TIMEOUT`
    ///   (ms), `OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL` (only `http/protobuf` is supported).
    /// - `OTEL_SERVICE_NAME`; `OTEL_RESOURCE_ATTRIBUTES` (`k=v,k2=v2`, percent-decoded), whose
    ///   `service.name` and `service.version` apply unless `OTEL_SERVICE_NAME` is set.
    /// - `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG` (the ratio).
    /// - `OTEL_BSP_SCHEDULE_DELAY`, `OTEL_BSP_EXPORT_TIMEOUT` (ms), `OTEL_BSP_MAX_QUEUE_SIZE`,
    ///   `OTEL_BSP_MAX_EXPORT_BATCH_SIZE`.
    ///
    /// - Parameter environment: The process environment, such as `ProcessInfo.processInfo.environment`.
    /// - Returns: The configuration with the variables applied; call ``validate()`` on it.
    /// - Throws: ``TracingConfigurationError`` naming the variable whose value cannot be used.
    public func applyingEnvironment(_ environment: [String: String]) throws(TracingConfigurationError)
        -> TracingConfiguration
    {
        let env = environment.filter { !$0.value.trimmingSpaces().isEmpty }.mapValues { $0.trimmingSpaces() }
        var result = self
        var exporterChoice: Bool?

        if let value = env["OTEL_EXPORTER_OTLP_ENDPOINT"] {
            result.endpoint = value; result.tracesEndpoint = nil; exporterChoice = true
        }
        if let value = env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] {
            result.tracesEndpoint = value; exporterChoice = true
        }
        if let value = env["OTEL_TRACES_EXPORTER"] {
            switch value.lowercased() {
            case "otlp": exporterChoice = true
            case "none": exporterChoice = false
            default: throw .unsupported(key: "OTEL_TRACES_EXPORTER", "must be otlp or none, got \"\(value)\"")
            }
        }
        if let value = env["OTEL_SDK_DISABLED"] {
            guard let disabled = Bool(value.lowercased()) else {
                throw .invalidValue(key: "OTEL_SDK_DISABLED", "must be true or false, got \"\(value)\"")
            }
            if disabled { exporterChoice = false }
        }
        if let exporterChoice { result.enabled = exporterChoice }

        for key in ["OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] {
            if let value = env[key], value != "http/protobuf" {
                throw .unsupported(key: key, "must be http/protobuf, got \"\(value)\"")
            }
        }
        for key in ["OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS"] {
            if let value = env[key] { result.headers.merge(try Self.keyValueList(value, key: key)) { $1 } }
        }
        for key in ["OTEL_EXPORTER_OTLP_COMPRESSION", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION"] {
            switch env[key]?.lowercased() {
            case nil: break
            case "gzip": result.gzip = true
            case "none": result.gzip = false
            case let value?: throw .unsupported(key: key, "must be gzip or none, got \"\(value)\"")
            }
        }
        for key in ["OTEL_BSP_EXPORT_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"] {
            if let value = env[key] {
                result.batch.exportTimeout = .milliseconds(try Self.integer(value, key: key, minimum: 1))
            }
        }
        if let value = env["OTEL_BSP_SCHEDULE_DELAY"] {
            result.batch.scheduleDelay = .milliseconds(
                try Self.integer(value, key: "OTEL_BSP_SCHEDULE_DELAY", minimum: 1)
            )
        }
        if let value = env["OTEL_BSP_MAX_QUEUE_SIZE"] {
            result.batch.maxQueueSize = try Self.integer(value, key: "OTEL_BSP_MAX_QUEUE_SIZE", minimum: 1)
        }
        if let value = env["OTEL_BSP_MAX_EXPORT_BATCH_SIZE"] {
            result.batch.maxExportBatchSize = try Self.integer(value, key: "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", minimum: 1)
        }

        if let value = env["OTEL_RESOURCE_ATTRIBUTES"] {
            var attributes = try Self.keyValueList(value, key: "OTEL_RESOURCE_ATTRIBUTES")
            if let name = attributes.removeValue(forKey: "service.name") { result.serviceName = name }
            if let version = attributes.removeValue(forKey: "service.version") { result.serviceVersion = version }
            result.resourceAttributes.merge(attributes) { $1 }
        }
        if let value = env["OTEL_SERVICE_NAME"] { result.serviceName = value }

        try result.applySampler(name: env["OTEL_TRACES_SAMPLER"], argument: env["OTEL_TRACES_SAMPLER_ARG"])
        return result
    }

    private mutating func applySampler(name: String?, argument: String?) throws(TracingConfigurationError) {
        if let name {
            guard let kind = Sampler.Kind(rawValue: name.lowercased()) else {
                let names = Sampler.Kind.allCases.map(\.rawValue).joined(separator: ", ")
                throw .unsupported(key: "OTEL_TRACES_SAMPLER", "must be one of \(names), got \"\(name)\"")
            }
            sampler.kind = kind
        }
        if let argument, sampler.kind == .traceIDRatio || sampler.kind == .parentBasedTraceIDRatio {
            guard let ratio = Double(argument), (0...1).contains(ratio) else {
                throw .invalidValue(key: "OTEL_TRACES_SAMPLER_ARG", "must be a number in 0...1, got \"\(argument)\"")
            }
            sampler.ratio = ratio
        }
    }

    private static func integer(_ value: String, key: String, minimum: Int) throws(TracingConfigurationError) -> Int {
        guard let number = Int(value), number >= minimum else {
            throw .invalidValue(key: key, "must be an integer >= \(minimum), got \"\(value)\"")
        }
        return number
    }

    /// Parses `k=v,k2=v2` with percent-encoded keys and values (the W3C Baggage format the OTel
    /// specification uses for `OTEL_RESOURCE_ATTRIBUTES` and `OTEL_EXPORTER_OTLP_HEADERS`).
    static func keyValueList(_ text: String, key: String) throws(TracingConfigurationError) -> [String: String] {
        var result: [String: String] = [:]
        for member in text.split(separator: ",") {
            let pair = member.split(separator: "=", maxSplits: 1)
            guard pair.count == 2,
                let name = PercentDecoding.decode(pair[0].trimmingSpaces()), !name.isEmpty,
                let value = PercentDecoding.decode(pair[1].trimmingSpaces())
            else {
                throw .invalidValue(key: key, "must be key=value pairs separated by commas, got \"\(member)\"")
            }
            result[name] = value
        }
        return result
    }
}

extension StringProtocol {
    fileprivate func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
