extension ConsolePage {
    /// The page's style sheet.
    static let style = #"""
        :root { --bg:#0f1620; --panel:#16202c; --line:#24313f; --text:#d8e0e8; --dim:#7f8ea0;
          --ok:#3fb27f; --warn:#e0a030; --bad:#e05050; }
        * { box-sizing: border-box; }
        body { margin:0; background:var(--bg); color:var(--text);
          font:13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; }
        header { display:flex; gap:14px; align-items:center; padding:10px 18px;
          border-bottom:1px solid var(--line); }
        h1 { font-size:18px; margin:0; } h2 { font-size:14px; margin:16px 0 6px; }
        h3 { font-size:13px; margin:12px 0 4px; }
        main { padding:0 18px 30px; }
        .dim { color:var(--dim); font-weight:normal; }
        .cards { display:flex; gap:10px; margin-top:14px; flex-wrap:wrap; }
        .card { background:var(--panel); border:1px solid var(--line); border-radius:6px;
          padding:8px 14px; min-width:150px; }
        .card .k { color:var(--dim); font-size:11px; text-transform:uppercase; }
        .card .v { font-size:22px; font-variant-numeric:tabular-nums; }
        table { border-collapse:collapse; width:100%; background:var(--panel); }
        th, td { text-align:left; padding:3px 8px; border-bottom:1px solid var(--line);
          font-variant-numeric:tabular-nums; vertical-align:top; }
        th { color:var(--dim); font-weight:normal; font-size:11px; }
        .two { display:grid; grid-template-columns:1fr 1fr; gap:18px; }
        .badge { padding:1px 8px; border-radius:9px; font-size:11px; background:var(--line); }
        .ok { background:var(--ok); color:#06140d; } .warn { background:var(--warn); color:#201400; }
        .bad { background:var(--bad); color:#200606; }
        .closed { background:var(--ok); color:#06140d; } .half_open { background:var(--warn); color:#201400; }
        .open { background:var(--bad); color:#200606; }
        .over { color:var(--bad); font-weight:bold; }
        .cand { display:inline-block; margin-right:6px; white-space:nowrap; }
        .o-won { color:var(--ok); } .o-failed, .o-timed_out { color:var(--bad); }
        .o-skipped, .o-cancelled { color:var(--dim); }
        td.reason { max-width:380px; color:var(--dim); }
        canvas { background:var(--bg); display:block; }
        a { color:#7fb8ff; }
        code { font-size:11px; }
        """#
}
