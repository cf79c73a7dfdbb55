-- POSTs a native /v1/infer request; BODY and TOKEN (a JWT, optional) come from the environment.
-- Used by scripts/bench-cache-auth.sh.
wrk.method = "POST"
wrk.path = "/v1/infer"
wrk.headers["Content-Type"] = "application/json"
wrk.body = os.getenv("BODY")
local token = os.getenv("TOKEN")
if token and token ~= "" then wrk.headers["Authorization"] = "Bearer " .. token end
