"""Server-sent events (WHATWG HTML, "Parsing an event stream"), fed line by line."""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional


@dataclass(frozen=True)
class SSEEvent:
    event: str
    """The `event:` field; `message` when the server sent none."""
    data: str


class SSEParser:
    """Collects `event:` and `data:` lines; a blank line ends an event."""

    def __init__(self) -> None:
        self._event = ""
        self._data: List[str] = []

    def feed(self, line: str) -> Optional[SSEEvent]:
        """One line without its terminator; returns the event a blank line completes."""
        if line == "":
            if not self._data:
                self._event = ""
                return None
            event = SSEEvent(self._event or "message", "\n".join(self._data))
            self._event, self._data = "", []
            return event
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        return None

    def finish(self) -> Optional[SSEEvent]:
        """The event left when the stream ends without a final blank line."""
        return self.feed("")
