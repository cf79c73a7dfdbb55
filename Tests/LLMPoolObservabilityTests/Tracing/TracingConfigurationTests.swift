import Testing

@testable import LLMPoolObservability

extension TracingTests {
    @Suite("TracingConfiguration")
    struct TracingConfigurationTests {
        @Test("defaults: export off, OpenTelemetry batch limits, local collector")
        func defaults() throws {
            let configuration = TracingConfiguration.defaults
            #expect(!configuration.enabled)
            #expect(configuration.tracesURL == "http://127.0.0.1:4318/v1/traces")
            #expect(configuration.sampler == .parentBasedAlwaysOn)
            #expect(
                configuration.batch
                    == .init(
                        maxQueueSize: 2048,
                        maxExportBatchSize: 512,
                        scheduleDelay: .seconds(1),
                        exportTimeout: .seconds(10)
                    )
            )
            #expect(!configuration.gzip)
            try configuration.validate()
        }

        @Test("OTEL_* variables override the TOML values")
        func environmentOverrides() throws {
            var toml = TracingConfiguration.defaults
            toml.serviceName = "from-toml"
            toml.endpoint = "http://toml:4318"
            toml.resourceAttributes = ["team": "search", "region": "eu"]
            let configuration = try toml.applyingEnvironment([
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318/",
                "OTEL_SERVICE_NAME": "llm-pool-canary",
                "OTEL_RESOURCE_ATTRIBUTES":
                    "deployment.environment.name=prod, region=us%2Deast%201,service.version=2.0",
                "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
                "OTEL_TRACES_SAMPLER_ARG": "0.25",
                "OTEL_EXPORTER_OTLP_HEADERS": "x-api-key=s%3Dcret",
                "OTEL_EXPORTER_OTLP_COMPRESSION": "gzip",
                "OTEL_BSP_MAX_QUEUE_SIZE": "100",
                "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "10",
                "OTEL_BSP_SCHEDULE_DELAY": "500",
                "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT": "2000",
                "OTEL_UNRELATED": "ignored",
            ])
            #expect(configuration.enabled)
            #expect(configuration.tracesURL == "http://collector:4318/v1/traces")
            #expect(configuration.serviceName == "llm-pool-canary")
            #expect(configuration.serviceVersion == "2.0")
            #expect(
                configuration.resourceAttributes == [
                    "team": "search", "region": "us-east 1", "deployment.environment.name": "prod",
                ]
            )
            #expect(configuration.sampler == .parentBasedTraceIDRatio(0.25))
            #expect(configuration.headers == ["x-api-key": "s=cret"])
            #expect(configuration.gzip)
            #expect(
                configuration.batch
                    == .init(
                        maxQueueSize: 100,
                        maxExportBatchSize: 10,
                        scheduleDelay: .milliseconds(500),
                        exportTimeout: .seconds(2)
                    )
            )
            try configuration.validate()
        }

        @Test("the traces endpoint is used as is; OTEL_SERVICE_NAME beats service.name")
        func tracesEndpoint() throws {
            let configuration = try TracingConfiguration.defaults.applyingEnvironment([
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://ignored:4318",
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://collector.example/api/traces",
                "OTEL_RESOURCE_ATTRIBUTES": "service.name=from-attributes",
                "OTEL_SERVICE_NAME": "from-name",
            ])
            #expect(configuration.tracesURL == "https://collector.example/api/traces")
            #expect(configuration.serviceName == "from-name")
        }

        @Test("export switches: none and OTEL_SDK_DISABLED win over an endpoint; empty means unset")
        func exportSwitches() throws {
            var enabled = TracingConfiguration.defaults
            enabled.enabled = true
            #expect(try !enabled.applyingEnvironment(["OTEL_TRACES_EXPORTER": "none"]).enabled)
            #expect(
                try !TracingConfiguration.defaults.applyingEnvironment([
                    "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_SDK_DISABLED": "true",
                ]).enabled
            )
            #expect(try TracingConfiguration.defaults.applyingEnvironment(["OTEL_TRACES_EXPORTER": "otlp"]).enabled)
            #expect(try enabled.applyingEnvironment(["OTEL_TRACES_EXPORTER": "", "OTEL_SERVICE_NAME": " "]) == enabled)
        }

        @Test(
            "unusable values name their variable",
            arguments: [
                ("OTEL_TRACES_SAMPLER", "sometimes"),
                ("OTEL_TRACES_EXPORTER", "zipkin"),
                ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
                ("OTEL_BSP_MAX_QUEUE_SIZE", "-1"),
                ("OTEL_RESOURCE_ATTRIBUTES", "novalue"),
                ("OTEL_RESOURCE_ATTRIBUTES", "bad=%zz"),
                ("OTEL_SDK_DISABLED", "maybe"),
            ]
        )
        func invalid(_ key: String, _ value: String) {
            do {
                _ = try TracingConfiguration.defaults.applyingEnvironment([key: value])
                Issue.record("\(key)=\(value) was accepted")
            } catch {
                #expect(error.key == key)
            }
        }

        @Test("a ratio argument out of range is rejected")
        func invalidRatio() {
            #expect(throws: TracingConfigurationError.self) {
                try TracingConfiguration.defaults.applyingEnvironment([
                    "OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "1.5",
                ])
            }
        }

        @Test("validation names the TOML key")
        func validation() {
            var configuration = TracingConfiguration.defaults
            configuration.batch.maxExportBatchSize = 4096
            do {
                try configuration.validate()
                Issue.record("expected an error")
            } catch {
                #expect(error.key == "tracing.batch.max_export_batch_size")
                #expect(error.code == .invalidValue)
            }
        }
    }
}
