"""The request and response types of llm-pool's native API (`docs/openapi.yaml`: `Query`,
`Answer`, `AnswerChunk`, `Readiness`), shared by the HTTP and gRPC clients."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Literal, Mapping, Optional, Union

Strategy = Literal["FASTEST", "VOTING", "WEIGHTED", "CONSENSUS", "JUDGE"]
"""How a request is spread over the pool's providers."""

STRATEGIES = ("FASTEST", "VOTING", "WEIGHTED", "CONSENSUS", "JUDGE")


@dataclass(frozen=True)
class Usage:
    """Tokens consumed by the call that produced the answer."""

    input_tokens: int = 0
    output_tokens: int = 0


@dataclass(frozen=True)
class Candidate:
    """One provider asked while serving a request."""

    provider: str
    model: str
    latency_ms: float
    outcome: str
    """`WON`, `LOST`, `CANCELLED`, `FAILED`, `TIMED_OUT` or `SKIPPED`."""
    error: str = ""


@dataclass(frozen=True)
class EnsembleDecision:
    """How the router reached an answer."""

    strategy: str
    candidates: List[Candidate]
    winner: str
    reason: str
    hedges_fired: int = 0


@dataclass(frozen=True)
class RateLimitInfo:
    """The `x-ratelimit-*` headers (or gRPC metadata) of an answer; `None` fields were not sent."""

    limit_requests: Optional[int] = None
    limit_tokens: Optional[int] = None
    remaining_requests: Optional[int] = None
    remaining_tokens: Optional[int] = None
    reset_requests: Optional[float] = None
    """Seconds until the request window frees up (`x-ratelimit-reset-requests: 1.5s`)."""
    reset_tokens: Optional[float] = None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> Optional["RateLimitInfo"]:
        lowered = {k.lower(): v for k, v in headers.items()}
        values: Dict[str, Any] = {}
        for dimension in ("requests", "tokens"):
            for kind, parse in (("limit", _int), ("remaining", _int), ("reset", parse_duration)):
                raw = lowered.get(f"x-ratelimit-{kind}-{dimension}")
                if raw is not None:
                    values[f"{kind}_{dimension}"] = parse(raw)
        return cls(**values) if values else None


@dataclass(frozen=True)
class Answer:
    """The answer to a query (`Answer` in the proto and the OpenAPI document)."""

    request_id: str
    text: str
    model: str
    provider: str
    strategy: str
    usage: Usage
    cached: bool
    latency_ms: float
    decision: Optional[EnsembleDecision]
    finish_reason: str = ""
    rate_limit: Optional[RateLimitInfo] = field(default=None, compare=False)
    """The answer's rate-limit headers, when rate limits are on."""

    @classmethod
    def from_json(cls, data: Mapping[str, Any], rate_limit: Optional[RateLimitInfo] = None) -> "Answer":
        """From the proto3 JSON mapping (camelCase, as the server sends it; snake_case accepted)."""
        usage = _get(data, "usage") or {}
        decision = _get(data, "decision")
        return cls(
            request_id=_get(data, "requestId", ""),
            text=_get(data, "text", ""),
            model=_get(data, "model", ""),
            provider=_get(data, "provider", ""),
            strategy=_get(data, "strategy", "STRATEGY_UNSPECIFIED"),
            usage=Usage(int(_get(usage, "inputTokens", 0)), int(_get(usage, "outputTokens", 0))),
            cached=bool(_get(data, "cached", False)),
            latency_ms=float(_get(data, "latencyMs", 0.0)),
            decision=None if decision is None else _decision(decision),
            finish_reason=_get(data, "finishReason", ""),
            rate_limit=rate_limit,
        )


@dataclass(frozen=True)
class StreamStarted:
    """The first event of a stream: who is answering."""

    provider: str
    model: str
    type: Literal["started"] = "started"


@dataclass(frozen=True)
class StreamDelta:
    """A piece of generated text, in order."""

    text: str
    type: Literal["delta"] = "delta"


@dataclass(frozen=True)
class StreamFinal:
    """The last event of a stream: the complete answer with usage and decision."""

    answer: Answer
    type: Literal["final"] = "final"


StreamEvent = Union[StreamStarted, StreamDelta, StreamFinal]
"""One event of `infer_stream`: a `StreamStarted`, `StreamDelta`s, then a `StreamFinal`."""


def stream_event_from_json(data: Mapping[str, Any]) -> StreamEvent:
    """An `AnswerChunk` in its proto3 JSON mapping as a stream event."""
    if "started" in data:
        started = data["started"] or {}
        return StreamStarted(provider=started.get("provider", ""), model=started.get("model", ""))
    if "delta" in data:
        return StreamDelta(text=data["delta"])
    if "final" in data:
        return StreamFinal(answer=Answer.from_json(data["final"]))
    raise ValueError(f"not an AnswerChunk: {sorted(data)}")


@dataclass(frozen=True)
class ProviderHealth:
    """The health of one provider."""

    name: str
    model: str
    healthy: bool
    breaker_state: str
    """`closed`, `open` or `half_open`."""
    detail: str = ""
    p95_latency_ms: Optional[float] = None
    """Measured p95 latency (gRPC only)."""


@dataclass(frozen=True)
class PoolHealth:
    """The pool's readiness: `GET /readyz` over HTTP, `Health` over gRPC."""

    ready: bool
    status: str
    """HTTP: `ready` or `not_ready`; gRPC: `SERVING`, `DEGRADED` or `NOT_SERVING`."""
    providers: List[ProviderHealth]
    unserved_tasks: List[str]

    @classmethod
    def from_readyz(cls, data: Mapping[str, Any]) -> "PoolHealth":
        return cls(
            ready=data.get("status") == "ready",
            status=data.get("status", ""),
            providers=[
                ProviderHealth(
                    name=p.get("name", ""),
                    model=p.get("model", ""),
                    healthy=bool(p.get("healthy", False)),
                    breaker_state=p.get("breaker", ""),
                    detail=p.get("detail", ""),
                )
                for p in data.get("providers", [])
            ],
            unserved_tasks=list(data.get("unserved_tasks", [])),
        )


def query_json(
    task: str,
    input: str,
    *,
    strategy: Optional[str] = None,
    max_tokens: Optional[int] = None,
    temperature: Optional[float] = None,
    deadline_ms: Optional[int] = None,
    tenant: Optional[str] = None,
    metadata: Optional[Mapping[str, str]] = None,
    request_id: Optional[str] = None,
) -> Dict[str, Any]:
    """A `Query` in the proto3 JSON mapping the native API takes; unset fields are left out."""
    if strategy is not None and strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}, got {strategy!r}")
    body: Dict[str, Any] = {"task": task, "input": input}
    optional = {
        "requestId": request_id,
        "strategy": strategy,
        "maxTokens": max_tokens,
        "temperature": temperature,
        "deadlineMs": deadline_ms,
        "tenant": tenant,
        "metadata": dict(metadata) if metadata else None,
    }
    body.update({k: v for k, v in optional.items() if v is not None})
    return body


_DURATION = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m|h)?\s*$")


def parse_duration(text: str) -> Optional[float]:
    """Seconds in `1.5s`, `250ms`, `1m` or a bare number of seconds; `None` when unreadable."""
    match = _DURATION.match(text)
    if not match:
        return None
    value = float(match.group(1))
    return value * {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}[match.group(2)]


def _int(text: str) -> Optional[int]:
    try:
        return int(text)
    except ValueError:
        return None


def _snake(name: str) -> str:
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), name)


def _get(data: Mapping[str, Any], camel: str, default: Any = None) -> Any:
    """A proto3 JSON field by its camelCase name, or by the name as written in the .proto."""
    if camel in data:
        return data[camel]
    return data.get(_snake(camel), default)


def _decision(data: Mapping[str, Any]) -> EnsembleDecision:
    return EnsembleDecision(
        strategy=_get(data, "strategy", "STRATEGY_UNSPECIFIED"),
        candidates=[
            Candidate(
                provider=_get(c, "provider", ""),
                model=_get(c, "model", ""),
                latency_ms=float(_get(c, "latencyMs", 0.0)),
                outcome=_get(c, "outcome", "OUTCOME_UNSPECIFIED"),
                error=_get(c, "error", ""),
            )
            for c in _get(data, "candidates", [])
        ],
        winner=_get(data, "winner", ""),
        reason=_get(data, "reason", ""),
        hedges_fired=int(_get(data, "hedgesFired", 0)),
    )
