"""The shape of JSON, for values that come from or go to JSON (bodies, payloads, audit rows).

``JsonValue`` is what ``json.loads`` can return; ``JsonObject`` is a decoded
object.  They replace ``Any`` where a value is JSON, so mypy makes a reader
check a value's kind before using it instead of trusting it blindly.
"""

from __future__ import annotations

from typing import TypeAlias

# Real objects at run time (not strings), so code that resolves annotations gets types back.
JsonValue: TypeAlias = bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"] | None
JsonObject: TypeAlias = dict[str, JsonValue]

__all__ = ["JsonObject", "JsonValue"]
