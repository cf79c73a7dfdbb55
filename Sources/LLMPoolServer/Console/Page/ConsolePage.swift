import NIOCore

/// The console page served at `GET /console`: one HTML document with its style sheet and script
/// inline, embedded in the binary, so it works offline and needs no build step. The script reads
/// `/v1/admin/events` (server-sent events) and draws the state as it arrives.
enum ConsolePage {
    /// The page's bytes, assembled once.
    static let buffer = ByteBuffer(string: html)

    static var html: String {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>llm-pool console</title>
        <link rel="icon" href="data:,">
        <style>
        \(style)
        </style>
        </head>
        <body>
        \(body)
        <script>
        \(script)
        </script>
        </body>
        </html>
        """
    }

    static let body = #"""
        <header>
          <h1>llm-pool <span class="dim">console</span></h1>
          <span id="conn" class="badge bad" data-connection="connecting">connecting…</span>
          <span class="dim" id="meta"></span>
        </header>
        <main>
        <section class="cards" id="pool">
          <div class="card"><div class="k">requests/s</div><div class="v" id="rps">–</div></div>
          <div class="card"><div class="k">server error ratio</div><div class="v" id="errors">–</div></div>
          <div class="card"><div class="k">in flight</div><div class="v" id="inflight">–</div></div>
          <div class="card"><div class="k">cache hit ratio</div><div class="v" id="cache">–</div></div>
          <div class="card"><div class="k">requests since start</div><div class="v" id="total">–</div></div>
        </section>
        <section>
          <h2>Providers</h2>
          <table id="providers"><thead><tr>
            <th>provider</th><th>model</th><th>health</th><th>breaker</th><th>breaker timeline (10 min)</th>
            <th>WEIGHTED score</th><th>in flight</th><th>p50</th><th>p95</th><th>TTFT p50</th>
            <th>tokens/s</th><th>hedges fired/won</th>
          </tr></thead><tbody></tbody></table>
        </section>
        <section>
          <h2>Latency heatmap <span class="dim">successful provider calls per bucket, 1 column per second;
          dashed: the hedge delay in force</span></h2>
          <canvas id="heatmap" width="1100" height="330"></canvas>
          <canvas id="legend" width="420" height="28"></canvas>
        </section>
        <section class="two">
          <div>
            <h2>Tasks <span class="dim">over the recent window</span></h2>
            <table id="tasks"><thead><tr><th>task</th><th>api</th><th>req/s</th><th>p50</th><th>p95</th>
            <th>p99</th></tr></thead><tbody></tbody></table>
            <h3>Hedges since start</h3>
            <table id="hedges"><thead><tr><th>task</th><th>fired</th><th>won</th><th>budget denied</th></tr>
            </thead><tbody></tbody></table>
          </div>
          <div>
            <h2>SLO burn rates <span class="dim">vs the shipped alerts' thresholds</span></h2>
            <table id="slos"><thead><tr><th>slo</th><th>5m</th><th>30m</th><th>1h</th><th>6h</th>
            <th>budget left</th></tr></thead><tbody></tbody></table>
          </div>
        </section>
        <section>
          <h2>Recent decisions</h2>
          <table id="decisions"><thead><tr><th>when</th><th>task</th><th>api</th><th>strategy</th>
          <th>candidates</th><th>winner</th><th>reason</th><th>hedges</th><th>latency</th><th>code</th>
          <th>trace</th></tr></thead><tbody></tbody></table>
        </section>
        <section class="two">
          <div>
            <h2>Configuration in force <span class="dim">secrets redacted</span></h2>
            <table id="config"><tbody></tbody></table>
          </div>
          <div>
            <h2>Last reload</h2>
            <div id="reload" class="dim">no reload yet</div>
          </div>
        </section>
        </main>
        """#
}
