"""The `k12_safe` template."""

from __future__ import annotations

from collections.abc import Mapping

from goalrail.patterns.model import Pattern
from goalrail.patterns.templates._base import (
    TemplatePolicy,
    rule,
)


class K12Safe(TemplatePolicy):
    """CIPA-style content filtering and safety controls for K-12 use."""

    template = "k12_safe"
    option_defaults: Mapping[str, object] = {
        "age_group": "middle",
        "allow_social_media": False,
        "allow_external_search": True,
        "content_filter_level": "strict",
    }
    option_choices: Mapping[str, tuple[object, ...]] = {
        "age_group": ("elementary", "middle", "high"),
        "content_filter_level": ("strict", "moderate", "minimal"),
    }

    def _template_patterns(self) -> list[Pattern]:
        t, o = self.template, self.options
        level = o["content_filter_level"]
        words = ["porn", "xxx", "nsfw", "onlyfans", "escort", "hentai"]
        if level in ("strict", "moderate"):
            words += ["casino", "poker", "bet365", "betting", "gambl", "draftkings", "fanduel"]
        if level == "strict":
            words += ["weapon", "guns", "vape", "drugs", "alcohol", "dating", "tinder"]
        kw = "|".join(words)
        url = r"^https?://"
        out = [
            rule(
                t,
                "k12_anonymous_chat",
                "network_request",
                url + r"([^/?#]*\.)?(omegle\.com|chatroulette\.com|chatrandom\.com" + r"|emeraldchat\.com)([/:?#].*)?$",
                "deny",
                "critical",
                "Anonymous chat sites are blocked",
                control="safety",
            ),
            rule(
                t,
                "k12_content_filter",
                "network_request",
                url + rf"([^/?#]*[.-])?({kw})[^/?#]*([/:?#].*)?$",
                "deny",
                "high",
                f"Blocked by the content filter ({level})",
                control="content filtering",
            ),
            rule(
                t,
                "k12_query_filter",
                "network_request",
                rf"(?!https?://)(?i:.*\b({kw})\w*\b.*)",
                "deny",
                "high",
                f"Search blocked by the content filter ({level})",
                control="content filtering",
            ),
            rule(
                t,
                "k12_personal_info",
                "network_request",
                r".*[?&](phone|tel|address|street|e-?mail|ssn|dob|birthday|birthdate|full_name|last_name|school)=.*",
                "deny",
                "high",
                "Sharing personal information is blocked",
                control="privacy",
            ),
        ]
        if not o["allow_social_media"]:
            out.append(
                rule(
                    t,
                    "k12_social_media",
                    "network_request",
                    url
                    + r"([^/?#]*\.)?(facebook\.com|instagram\.com|tiktok\.com|snapchat\.com"
                    + r"|twitter\.com|x\.com"
                    r"|reddit\.com|discord\.com|discord\.gg|tumblr\.com|threads\.net)([/:?#].*)?$",
                    "deny",
                    "high",
                    "Social media is blocked",
                    control="social media",
                )
            )
        out += _search_rules(t, url, o["allow_external_search"])
        out += _age_rules(t, o["age_group"])
        return out


def _search_rules(t: str, url: str, allow_external_search: bool) -> list[Pattern]:
    """External search engines blocked, or allowed with safe search only."""
    out: list[Pattern] = []
    search = url + r"([^/?#]*\.)?(google\.[a-z.]+/search|bing\.com/search|duckduckgo\.com/" + r"|search\.yahoo\.com)"
    if not allow_external_search:
        out.append(
            rule(
                t,
                "k12_external_search",
                "network_request",
                search + ".*",
                "deny",
                "medium",
                "External search engines are blocked",
                control="safe search",
            )
        )
    else:
        out += [
            rule(
                t,
                "k12_safe_search_google",
                "network_request",
                url + r"([^/?#]*\.)?google\.[a-z.]+/search\?(?!.*\bsafe=active\b).*",
                "deny",
                "medium",
                "Google searches must use SafeSearch (safe=active)",
                control="safe search",
            ),
            rule(
                t,
                "k12_safe_search_bing",
                "network_request",
                url + r"([^/?#]*\.)?bing\.com/search\?(?!.*\badlt=strict\b).*",
                "deny",
                "medium",
                "Bing searches must use SafeSearch (adlt=strict)",
                control="safe search",
            ),
            rule(
                t,
                "k12_safe_search_ddg",
                "network_request",
                url + r"([^/?#]*\.)?duckduckgo\.com/.*\?(?!.*\bkp=1\b).*",
                "deny",
                "medium",
                "DuckDuckGo searches must use strict safe search (kp=1)",
                control="safe search",
            ),
        ]
    return out


def _age_rules(t: str, age_group: str) -> list[Pattern]:
    """Elementary: approved educational sites only; older students: every request recorded."""
    out: list[Pattern] = []
    if age_group == "elementary":
        out += [
            rule(
                t,
                "k12_elementary_allowlist",
                "network_request",
                r"^https://([^/?#]*\.)?(wikipedia\.org|khanacademy\.org|pbskids\.org|nationalgeographic\.com|"
                r"scratch\.mit\.edu|code\.org|[a-z0-9-]+\.edu|[a-z0-9-]+\.k12\.[a-z]{2}\.us)([/:?#].*)?$",
                "allow",
                "low",
                control="age group",
            ),
            rule(
                t,
                "k12_elementary_other",
                "network_request",
                ".*",
                "deny",
                "medium",
                "Elementary students may only use approved educational sites",
                "sigstop",
                control="age group",
            ),
        ]
    else:
        out.append(
            rule(
                t,
                "k12_activity_monitoring",
                "network_request",
                ".*",
                "allow",
                "low",
                control="activity monitoring",
            )
        )
    return out


def k12_safe(**options: object) -> K12Safe:
    policy = K12Safe(
        description="CIPA-style content filtering and safety for K-12",
        default_action="allow",
        violation_mode="block",
    )
    if options:
        policy.configure(**options)
    return policy
