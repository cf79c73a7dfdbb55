-- POSTs a small /v1/chat/completions body; used by scripts/bench-overhead.sh.
wrk.method = "POST"
wrk.path = "/v1/chat/completions"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"phi3:mini","max_tokens":16,"temperature":0.7,"messages":[{"role":"user","content":"benchmark prompt for the pool"}]}'
