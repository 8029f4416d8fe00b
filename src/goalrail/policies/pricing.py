"""LLM prices: genai-prices plus Goalrail's alias rules and operator overrides.

``PriceTable.cost`` returns the USD cost of one call, or ``None`` when the
model cannot be priced: an unknown model is never silently free.  Resolution
order for a model id (cached per id):

1. ``overrides`` (USD per million tokens), exact id first, then globs;
2. ``aliases`` (exact, then globs; ``*`` in the target is filled with what the
   pattern's ``*`` matched), the target being ``model`` or ``provider:model``;
3. genai-prices with the id as given;
4. built-in rules: ``databricks-claude-*`` → anthropic ``claude-*``; Bedrock ids
   (``anthropic.claude-…-v1:0``, region prefixes ``us.``/``eu.``/…) → the aws
   provider, then the bare anthropic model; ``provider/model`` → that provider,
   then openrouter, then the bare model.

Token convention: ``input_tokens`` counts the *uncached* prompt tokens (the
Anthropic convention); cache reads and writes are passed separately and are
part of the prompt size for tiered prices.  A caller holding an OpenAI-style
``prompt_tokens`` that already includes cached tokens passes
``input_includes_cache=True``.

genai-prices is imported lazily, once (the import costs ~300 ms).

No table is process-wide state: a server builds its own from its config's
``pricing:`` block (``ServerConfig.price_table``) and hands it to its Runtime,
which prices usage with it and hands it to the cost builtins with every event
(``event["prices"]``).  Two apps in one process never share one.
"""

from __future__ import annotations

import fnmatch
import functools
import math
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

_PER_MILLION = 1_000_000.0
_OVERRIDE_KEYS = frozenset({"input", "output", "cache_read", "cache_write"})
_ESTIMATE_BUCKET = 256  # prompt tokens are rounded *up* to this for cached estimates
_BEDROCK = re.compile(
    r"^(?:(?:us|eu|apac|ap|global|jp|au|ca|us-gov)\.)?(?P<vendor>[a-z0-9-]+)\.(?P<model>.+?)(?:-v\d+(?::\d+)?)?$"
)
_DATE_SUFFIX = re.compile(r"-\d{8}$")
#: provider prefixes used by gateways (litellm, Vertex, Azure AI) → genai-prices provider ids
_PROVIDER_NAMES = {
    "bedrock": "aws",
    "vertex_ai": "google",
    "vertex": "google",
    "gemini": "google",
    "azure_ai": "azure",
    "azure_openai": "azure",
    "xai": "x-ai",
}

_gp_lock = threading.Lock()
_gp: ModuleType | None = None


def _genai() -> ModuleType:
    """The genai_prices module, imported once on first use."""
    global _gp
    if _gp is None:
        with _gp_lock:
            if _gp is None:
                import genai_prices

                _gp = genai_prices
    return _gp


def genai_prices_version() -> str:
    return str(getattr(_genai(), "__version__", "unknown"))


@dataclass(frozen=True, slots=True)
class _Override:
    pattern: str
    input: float
    output: float
    cache_read: float
    cache_write: float


@dataclass(frozen=True, slots=True)
class _Resolved:
    """How a model id is priced: by an override, or by a genai-prices model."""

    source: str
    override: _Override | None = None
    provider: Any = None
    model: Any = None


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A case-insensitive regex for a glob whose ``*`` become capture groups."""
    return re.compile("^" + "(.*)".join(re.escape(p) for p in pattern.lower().split("*")) + "$")


def _check_override(pattern: str, raw: Mapping[str, float]) -> _Override:
    if not isinstance(raw, Mapping):
        raise ValueError(f"price override `{pattern}` must be a mapping of USD per million tokens")
    unknown = set(raw) - _OVERRIDE_KEYS
    if unknown:
        raise ValueError(f"price override `{pattern}` has unknown key(s) {', '.join(sorted(unknown))}")
    for need in ("input", "output"):
        if need not in raw:
            raise ValueError(f"price override `{pattern}` needs `{need}` (USD per million tokens)")
    values: dict[str, float] = {}
    for key, value in raw.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or math.isnan(value):
            raise ValueError(f"price override `{pattern}`.{key} must be a number >= 0")
        values[key] = float(value)
    return _Override(
        pattern,
        values["input"],
        values["output"],
        values.get("cache_read", values["input"]),
        values.get("cache_write", values["input"]),
    )


class PriceTable:
    """Prices for model ids; thread-safe, caches each model's resolution."""

    def __init__(
        self,
        aliases: Mapping[str, str] | None = None,
        overrides: Mapping[str, Mapping[str, float]] | None = None,
    ) -> None:
        self._exact_alias: dict[str, str] = {}
        self._glob_alias: list[tuple[re.Pattern[str], str]] = []
        for pattern, target in (aliases or {}).items():
            if not isinstance(pattern, str) or not pattern or not isinstance(target, str) or not target:
                raise ValueError("price aliases map a model id or glob to a non-empty model id")
            if "*" in pattern:
                self._glob_alias.append((_glob_regex(pattern), target))
            else:
                self._exact_alias[pattern.lower()] = target
        self._exact_override: dict[str, _Override] = {}
        self._glob_override: list[tuple[str, _Override]] = []
        for pattern, raw in (overrides or {}).items():
            ov = _check_override(pattern, raw)
            if any(c in pattern for c in "*?["):
                self._glob_override.append((pattern.lower(), ov))
            else:
                self._exact_override[pattern.lower()] = ov
        self._cache: dict[str, _Resolved | None] = {}
        self._estimates: dict[tuple[str, int, int], float | None] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, pricing: Mapping[str, Any] | None) -> PriceTable:
        """The table for the server config's ``pricing: {aliases, overrides}`` block."""
        pricing = pricing or {}
        return cls(aliases=pricing.get("aliases"), overrides=pricing.get("overrides"))

    # --- public API -------------------------------------------------------

    def cost(
        self,
        model: str | None,
        *,
        input_tokens: int = 0,
        output_tokens: int = 0,
        cache_read_tokens: int = 0,
        cache_write_tokens: int = 0,
        input_includes_cache: bool = False,
    ) -> float | None:
        """USD cost of one call, or None when ``model`` cannot be priced."""
        resolved = self.resolve(model)
        if resolved is None:
            return None
        inp, out = max(int(input_tokens or 0), 0), max(int(output_tokens or 0), 0)
        cr, cw = max(int(cache_read_tokens or 0), 0), max(int(cache_write_tokens or 0), 0)
        if input_includes_cache:
            inp = max(inp - cr - cw, 0)
        ov = resolved.override
        if ov is not None:
            return (inp * ov.input + out * ov.output + cr * ov.cache_read + cw * ov.cache_write) / _PER_MILLION
        gp = _genai()
        usage = gp.Usage(
            input_tokens=inp + cr + cw,
            output_tokens=out,
            cache_read_tokens=cr or None,
            cache_write_tokens=cw or None,
        )
        try:
            calc = resolved.model.calc_price(usage, resolved.provider)
        except (LookupError, ValueError, ArithmeticError):
            return None
        return float(calc.total_price)

    def estimate_max(self, model: str | None, prompt_tokens: int, max_output_tokens: int) -> float | None:
        """Worst-case USD cost of a call (uncached prompt, every output token used).

        The prompt size is rounded up to a multiple of 256 tokens so estimates
        can be cached; the estimate is therefore never below the exact price.
        """
        if model is None:
            return None
        bucket = -(-max(int(prompt_tokens), 0) // _ESTIMATE_BUCKET) * _ESTIMATE_BUCKET
        key = (model, bucket, max(int(max_output_tokens), 0))
        try:
            return self._estimates[key]
        except KeyError:
            pass
        value = self.cost(model, input_tokens=bucket, output_tokens=key[2])
        with self._lock:
            if len(self._estimates) > 4096:
                self._estimates.clear()
            self._estimates[key] = value
        return value

    def source(self, model: str | None) -> str | None:
        """Where ``model``'s price comes from, or None when it is unpriced."""
        resolved = self.resolve(model)
        return None if resolved is None else resolved.source

    def is_priced(self, model: str | None) -> bool:
        return self.resolve(model) is not None

    def resolve(self, model: str | None) -> _Resolved | None:
        if not model or not isinstance(model, str):
            return None
        try:
            return self._cache[model]
        except KeyError:
            pass
        resolved = self._resolve(model.strip())
        with self._lock:
            self._cache[model] = resolved
        return resolved

    # --- resolution -------------------------------------------------------

    def _resolve(self, model: str) -> _Resolved | None:
        low = model.lower()
        ov = self._exact_override.get(low)
        if ov is None:
            ov = next((o for p, o in self._glob_override if fnmatch.fnmatchcase(low, p)), None)
        if ov is not None:
            return _Resolved(f"override `{ov.pattern}`", override=ov)
        target = self._alias_target(low)
        if target is not None:
            provider_id, ref = self._split_provider(target)
            found = self._lookup(ref, provider_id) or self._builtin_rules(ref)
            if found is None:
                return None
            return _Resolved(
                f"alias `{model}` → `{target}`; {found.source}",
                provider=found.provider,
                model=found.model,
            )
        return self._lookup(model, None) or self._builtin_rules(model)

    def _alias_target(self, low: str) -> str | None:
        if low in self._exact_alias:
            return self._exact_alias[low]
        for regex, target in self._glob_alias:
            m = regex.match(low)
            if m is not None:
                for group in m.groups():
                    target = target.replace("*", group, 1)
                return target
        return None

    def _split_provider(self, target: str) -> tuple[str | None, str]:
        head, sep, rest = target.partition(":")
        if sep and rest and self._known_provider(head):
            return head, rest
        return None, target

    @staticmethod
    def _known_provider(provider_id: str) -> bool:
        snapshot = _genai().data_snapshot.get_snapshot()
        return any(p.id == provider_id for p in snapshot.providers)

    @staticmethod
    def _lookup(ref: str, provider_id: str | None) -> _Resolved | None:
        gp = _genai()
        try:
            provider, info = gp.data_snapshot.get_snapshot().find_provider_model(ref, None, provider_id, None)
        except (LookupError, ValueError):
            return None
        return _Resolved(
            f"genai-prices {genai_prices_version()}: {provider.id}/{info.id}",
            provider=provider,
            model=info,
        )

    def _builtin_rules(self, model: str, depth: int = 0) -> _Resolved | None:
        low = model.lower()
        candidates: list[tuple[str, str | None, str]] = []
        if low.startswith("databricks-claude-"):
            candidates.append(("databricks-claude-* → anthropic", "anthropic", low[len("databricks-") :]))
        m = _BEDROCK.match(low)
        if m is not None and "/" not in low:
            candidates.append(("bedrock id → aws", "aws", low))
            bare = m.group("model")
            candidates.append(("bedrock id → " + m.group("vendor"), None, bare))
            candidates.append(("bedrock id → " + m.group("vendor"), None, _DATE_SUFFIX.sub("", bare)))
        if "/" in low:
            provider, _, rest = low.partition("/")
            provider = _PROVIDER_NAMES.get(provider, provider)
            candidates.append(("provider/model prefix", provider, rest))
            candidates.append(("openrouter id", "openrouter", low))
            last = low.rsplit("/", 1)[1]
            candidates.append(("provider/model prefix", None, last))
            candidates.append(("provider/model prefix", None, _DATE_SUFFIX.sub("", last)))
        for rule, provider_id, ref in candidates:
            if provider_id is not None and not self._known_provider(provider_id):
                continue
            found = self._lookup(ref, provider_id)
            if found is not None:
                return _Resolved(
                    f"alias rule {rule} (`{ref}`); {found.source}",
                    provider=found.provider,
                    model=found.model,
                )
        if "/" in low and depth == 0:
            # e.g. litellm's `bedrock/anthropic.claude-…-v1:0`: the rules again on the last part
            return self._builtin_rules(low.rsplit("/", 1)[1], depth=1)
        return None


@functools.cache
def default_price_table() -> PriceTable:
    """The built-in table (genai-prices and the alias rules, no operator overrides).

    Shared, never replaced: a server with a ``pricing:`` block builds its own table
    and hands it to its Runtime, which hands it to the cost builtins with each event
    (``event["prices"]``).  This one serves whatever has no table handed in.
    """
    return PriceTable()
