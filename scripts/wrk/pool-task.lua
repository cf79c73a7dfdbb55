-- POSTs a /v1/chat/completions body naming a pool task (`pool/bench`), so requests go through
-- the task's prompt, strategy, cache lookup and SLO tracking; used by scripts/bench-telemetry.sh.
wrk.method = "POST"
wrk.path = "/v1/chat/completions"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"pool/bench","max_tokens":16,"temperature":0.7,"messages":[{"role":"user","content":"benchmark prompt for the pool"}]}'
