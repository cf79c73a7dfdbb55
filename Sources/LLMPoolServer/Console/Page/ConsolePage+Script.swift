extension ConsolePage {
    /// The page's script: reads `/v1/admin/events` and draws every part of the state. Text from
    /// the state is only ever set as text (`textContent`), never parsed as HTML.
    static let script = #"""
        "use strict";
        const $ = (id) => document.getElementById(id);
        const HISTORY = 120;
        const heat = {};           // provider -> {prev: counts, cols: [[counts per bucket]]}
        let bounds = [];
        let lastState = null;

        function el(tag, text, cls) {
          const e = document.createElement(tag);
          if (text !== undefined && text !== null) e.textContent = String(text);
          if (cls) e.className = cls;
          return e;
        }
        function row(cells) {
          const tr = document.createElement("tr");
          for (const c of cells) tr.appendChild(c instanceof Node ? wrap(c) : el("td", c));
          return tr;
        }
        function wrap(node) {
          if (node.tagName === "TD") return node;
          const td = document.createElement("td"); td.appendChild(node); return td;
        }
        function fill(tbody, rows) { tbody.replaceChildren(...rows); }
        const ms = (v) => v === undefined || v === null ? "–" : v < 10 ? v.toFixed(1) + " ms"
          : v < 1000 ? Math.round(v) + " ms" : (v / 1000).toFixed(2) + " s";
        const pct = (v) => v === undefined || v === null ? "–" : (v * 100).toFixed(1) + "%";
        const num = (v, d = 1) => v === undefined || v === null ? "–" : Number(v).toFixed(d);

        function render(s) {
          lastState = s;
          bounds = s.latency_bucket_bounds_ms;
          $("meta").textContent = "up " + Math.round(s.uptime_seconds) + " s · " + s.generated_at;
          $("rps").textContent = num(s.pool.requests_per_second, 2);
          $("errors").textContent = pct(s.pool.error_ratio);
          $("inflight").textContent = num(s.pool.in_flight, 0);
          $("cache").textContent = pct(s.pool.cache.hit_ratio);
          $("total").textContent = num(s.pool.requests_total, 0);
          renderProviders(s);
          fill($("tasks").tBodies[0], s.pool.latency.map((t) =>
            row([t.task, t.api, num(t.requests_per_second, 2), ms(t.p50_ms), ms(t.p95_ms), ms(t.p99_ms)])));
          fill($("hedges").tBodies[0], s.pool.hedges.map((h) =>
            row([h.task, num(h.fired, 0), num(h.won, 0), num(h.budget_denied, 0)])));
          fill($("slos").tBodies[0], s.slos.map((o) => {
            const cells = [o.slo + " (" + (o.target * 100).toFixed(1) + "%)"];
            for (const w of o.windows) {
              const td = el("td", num(w.burn_rate, 2) + " / " + w.threshold, w.burn_rate >= w.threshold ? "over" : "");
              td.title = w.alert + " (" + w.severity + ") fires at " + w.threshold + "x";
              cells.push(td);
            }
            cells.push(pct(o.error_budget_remaining));
            return row(cells);
          }));
          fill($("config").tBodies[0], s.configuration.map((c) => row([el("code", c.key), c.value])));
          const r = s.last_reload;
          $("reload").textContent = r ? r.result + " at " + r.at + (r.errors.length ? ": " + r.errors.join("; ") : "")
            : "no reload yet";
          collectHeat(s);
          drawHeatmap(s);
        }

        function renderProviders(s) {
          fill($("providers").tBodies[0], s.providers.map((p) => {
            const health = el("span", p.healthy ? "healthy" : "unhealthy", "badge " + (p.healthy ? "ok" : "bad"));
            health.title = p.health_detail;
            const breaker = el("span", p.breaker.state, "badge " + p.breaker.state);
            breaker.dataset.breaker = p.name;
            breaker.title = p.breaker.failures + " of " + p.breaker.calls + " calls failed; "
              + p.breaker.consecutive_failures + " in a row";
            const timeline = document.createElement("canvas");
            timeline.width = 180; timeline.height = 12;
            drawTimeline(timeline, p.breaker);
            const scores = p.scores.map((x) => x.task + " " + x.value.toFixed(3)).join("\n");
            const tr = row([el("b", p.name), p.model, health, breaker, timeline, el("td", scores),
              num(p.in_flight, 0), ms(p.p50_ms), ms(p.p95_ms), ms(p.ttft_p50_ms), num(p.tokens_per_second),
              p.hedges.fired + " / " + p.hedges.won]);
            tr.dataset.provider = p.name;
            tr.children[5].style.whiteSpace = "pre";
            return tr;
          }));
        }

        const STATE_COLOR = { closed: "#3fb27f", half_open: "#e0a030", open: "#e05050" };
        function drawTimeline(canvas, breaker) {
          const g = canvas.getContext("2d"), span = 600000, w = canvas.width, h = canvas.height;
          const hist = breaker.history.filter((t) => t.ago_ms <= span);
          let state = hist.length ? hist[0].from : breaker.state;
          const older = breaker.history.filter((t) => t.ago_ms > span);
          if (older.length) state = older[older.length - 1].to;
          let x = 0;
          for (const t of hist) {
            const tx = w * (1 - t.ago_ms / span);
            g.fillStyle = STATE_COLOR[state]; g.fillRect(x, 0, Math.max(1, tx - x), h);
            x = tx; state = t.to;
          }
          g.fillStyle = STATE_COLOR[state]; g.fillRect(x, 0, Math.max(1, w - x), h);
        }

        function collectHeat(s) {
          for (const p of s.providers) {
            const h = heat[p.name] || (heat[p.name] = { prev: null, cols: [] });
            if (h.prev) h.cols.push(p.latency_buckets.map((c, i) => Math.max(0, c - (h.prev[i] || 0))));
            h.prev = p.latency_buckets;
            if (h.cols.length > HISTORY) h.cols.splice(0, h.cols.length - HISTORY);
          }
        }

        function color(t) {
          const r = Math.round(60 + 190 * t), g = Math.round(30 + 190 * t), b = Math.round(140 - 100 * t);
          return "rgb(" + r + "," + g + "," + b + ")";
        }
        const label = (v) => v >= 1000 ? (v / 1000) + "s" : v + "ms";

        function drawHeatmap(s) {
          const canvas = $("heatmap"), g = canvas.getContext("2d");
          g.fillStyle = "#0f1620"; g.fillRect(0, 0, canvas.width, canvas.height);
          const left = 90, right = 10, gap = 14, n = s.providers.length || 1;
          const rows = bounds.length + 1, bandH = (canvas.height - gap * (n - 1)) / n;
          const colW = (canvas.width - left - right) / HISTORY;
          let max = 1;
          for (const p of s.providers) for (const col of (heat[p.name] || { cols: [] }).cols)
            for (const c of col) max = Math.max(max, c);
          g.font = "11px system-ui, sans-serif"; g.textBaseline = "middle";
          s.providers.forEach((p, i) => {
            const top = i * (bandH + gap), cellH = bandH / rows, cols = (heat[p.name] || { cols: [] }).cols;
            g.fillStyle = "#16202c"; g.fillRect(left, top, canvas.width - left - right, bandH);
            cols.forEach((col, x) => col.forEach((c, b) => {
              if (c <= 0) return;
              g.fillStyle = color(Math.max(0.15, Math.log(1 + c) / Math.log(1 + max)));
              const cx = left + (HISTORY - cols.length + x) * colW;
              g.fillRect(cx, top + bandH - (b + 1) * cellH, Math.ceil(colW), Math.ceil(cellH));
            }));
            g.fillStyle = "#d8e0e8"; g.fillText(p.name, 4, top + 8);
            g.fillStyle = "#7f8ea0";
            for (const b of [1, 4, 7]) if (b < bounds.length)
              g.fillText("≤" + label(bounds[b]), 4, top + bandH - (b + 0.5) * cellH);
            const delays = p.hedge_delay_ms.map((d) => d.value);
            if (delays.length) {
              const d = Math.max(...delays), y = top + bandH - bucketPosition(d) * cellH;
              g.strokeStyle = "#ffffff"; g.setLineDash([6, 4]); g.beginPath();
              g.moveTo(left, y); g.lineTo(canvas.width - right, y); g.stroke(); g.setLineDash([]);
              g.fillStyle = "#ffffff"; g.fillText("hedge " + Math.round(d) + " ms", canvas.width - 110, y - 7);
            }
          });
          drawLegend(max);
        }

        // Where a latency falls on the bucket axis, interpolated inside its bucket.
        function bucketPosition(v) {
          for (let i = 0; i < bounds.length; i++) {
            if (v <= bounds[i]) {
              const lower = i === 0 ? 0 : bounds[i - 1];
              return i + (v - lower) / (bounds[i] - lower);
            }
          }
          return bounds.length;
        }

        function drawLegend(max) {
          const canvas = $("legend"), g = canvas.getContext("2d");
          g.clearRect(0, 0, canvas.width, canvas.height);
          for (let x = 0; x < 300; x++) { g.fillStyle = color(0.15 + 0.85 * x / 299); g.fillRect(60 + x, 4, 1, 12); }
          g.fillStyle = "#7f8ea0"; g.font = "11px system-ui, sans-serif"; g.textBaseline = "middle";
          g.fillText("calls/s: 1", 0, 10); g.fillText(String(max), 366, 10);
        }

        function decisionRow(d) {
          const when = el("td", new Date(d.at).toLocaleTimeString());
          when.title = d.at;
          const cands = el("td");
          for (const c of d.candidates) {
            const span = el("span", c.provider + " " + c.outcome + " " + ms(c.latency_ms), "cand o-" + c.outcome);
            if (c.error) span.title = c.error;
            cands.appendChild(span);
          }
          if (d.cached) cands.appendChild(el("span", "cache", "cand"));
          let trace = el("td", "–");
          if (d.trace_id) {
            trace = el("td");
            const node = d.trace_url ? el("a", d.trace_id) : el("code", d.trace_id);
            if (d.trace_url) { node.href = d.trace_url; node.target = "_blank"; node.rel = "noopener"; }
            trace.appendChild(node);
          }
          const reason = el("td", d.reason || d.error || "", "reason");
          const tr = row([when, d.task, d.api + (d.stream ? " stream" : ""), d.strategy, cands, d.winner || "–",
            reason, String(d.hedges_fired), ms(d.latency_ms), el("td", d.code, d.code === "ok" ? "" : "over"),
            trace]);
          tr.dataset.requestId = d.request_id;
          if (d.trace_id) tr.dataset.traceId = d.trace_id;
          return tr;
        }

        function addDecisions(list) {
          const body = $("decisions").tBodies[0];
          for (const d of list) body.insertBefore(decisionRow(d), body.firstChild);
          while (body.rows.length > 60) body.deleteRow(body.rows.length - 1);
        }

        function connect() {
          const source = new EventSource("/v1/admin/events?interval_ms=1000");
          source.addEventListener("open", () => {
            $("conn").textContent = "live"; $("conn").className = "badge ok"; $("conn").dataset.connection = "live";
          });
          source.addEventListener("state", (e) => render(JSON.parse(e.data)));
          source.addEventListener("decisions", (e) => addDecisions(JSON.parse(e.data)));
          source.addEventListener("error", () => {
            $("conn").textContent = "reconnecting…"; $("conn").className = "badge bad";
            $("conn").dataset.connection = "reconnecting";
          });
        }
        connect();
        """#
}
