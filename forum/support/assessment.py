"""How likely a question needs a support ticket, and how severe it is, from explainable signals.

Pure: the text rules live here, and what only the database knows (the closest answered question
or docs section, the author's recent similar questions) comes in as `Evidence`. The assessment
job (forum/support/service.py) and `forum eval escalation` both call `assess`, so the eval
measures what the queue gets.

Each signal carries its weight (a setting) and its evidence (the words that triggered it). The
score is the noisy-OR of the weights, 1 - prod(1 - w): one strong signal is enough to flag, weak
ones (urgent words, length, no match) only add up.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from forum.settings import Settings

SEVERITIES = ("critical", "high", "medium", "low")

# Words of a reported problem. A how-to question mentioning "errors" or "my project" is not one.
_NOT = r"(?:can'?t|cannot|can not|couldn'?t|unable to|doesn'?t|does not|don'?t|won'?t|isn'?t|aren'?t|not)"
_POSSESSIVE = r"(?:my|our)"
_ACCOUNT_OBJECTS = (
    r"(?:invoices?|bill|billing(?: \w+)?|card|credit card|subscription|plan|account|accounts|organi[sz]ation|org|"
    r"workspace|trial|quota|usage|payment(?: details)?|contract|project|recordings|dashboards?|domain|sso|destination|export|cohort)"
)

PATTERNS: dict[str, list[str]] = {
    # Something only staff with access to the account can do, or an access problem.
    "account_request": [
        r"(?<!do )(?<!would )\b(?:please|can you|could you|would you|need you to|we need|i need|we'd like|we would like|i'd like)\b[^.?!\n]{0,40}?"
        r"\b(?:delete|remove|purge|erase|cancel|refund|reissue|resend|re-send|transfer|restore|recover|unlock|reset|merge|"
        r"extend|raise|increase|switch|move|correct|adjust|apply|add|provide|check|unblock|close|downgrade|upgrade)\b",
        r"\brefunds?\b|\bpro-?rata\b|\bcharged\b|\bcharges?\b (?:of|for)\b|\bbill(?:s|ed|ing)? us\b|\bbilled (?:twice|for)\b|\bdouble[- ]charged\b",
        r"\btransfer(?:ring)? (?:of )?(?:the )?ownership\b|\b(?:make|made) \w+ (?:\w+ )?the owner\b|\bgreyed out\b|\bdisabled for me\b",
        r"\b(?:from|on) your (?:side|end)\b",
        r"\b(?:gdpr|erasure request|right to be forgotten|data subject request)\b",
        r"\blocked out\b|\blost access\b|\bregain access\b|\b(?:get|got) back (?:in|into)\b|\baccess (?:to )?\w+ \w+ back\b",
        rf"\b{_NOT} (?:log ?in|login|sign in|access|join|see (?:it|the project|our|my))\b",
        r"\b(?:permission denied|don'?t have permission|not have permission|invite (?:link )?expired|account (?:is |was )?(?:locked|suspended))\b",
        r"\b(?:lost|lose) (?:my|his|her|their) (?:phone|authenticator|2fa|two-factor)|\b(?:2fa|two-factor)\b[^.\n]{0,40}\b(?:lost|reset|can'?t)\b",
        r"\bsuspended\b|\btrial (?:has )?(?:expired|ended)\b",
        r"\bdelete (?:all |every )?(?:my|our) (?:account|organi[sz]ation|data|project)\b",
    ],
    # The question is about the asker's own account, project or bill (weaker on its own).
    "account_context": [
        rf"\b{_POSSESSIVE} (?:\w+ ){{0,2}}?{_ACCOUNT_OBJECTS}\b",
        r"\b(?:project|team|org|organi[sz]ation) ?(?:id)?[:#]? ?\d{3,}\b|\borg: ?\w+",
        r"\b(?:vat|purchase order|po number|po-\d+|invoice for|billing address|billing email)\b",
    ],
    # An error message, status code or stack trace pasted in.
    "error_report": [
        r"\btraceback \(most recent call last\)|\bat [\w.$]+\([\w.]+:\d+(?::\d+)?\)|\b\w+(?:error|exception)\b:",
        r"\b(?:type|reference|range|syntax|ssl|key|value|attribute|runtime)error\b|\bexception\b|\bexc_bad_access\b",
        r"\b(?:status(?: code)?|returns?|returned|returning|with|gives?|shows?|fails? with|getting|get|got)\s+(?:an? )?(?:http )?[45]\d\d\b",
        r"\b[45]\d\d (?:error|bad gateway|internal server error|unauthori[sz]ed|forbidden|not found|page)\b|\berror [45]\d\d\b",
        r"\b(?:error|failed|fails)\b\s*[:(]|['\"][^'\"\n]{0,60}(?:error|failed|denied|wrong|expired|exceeded|limit reached|mismatch)[^'\"\n]{0,40}['\"]",
        r"\bcrash(?:es|ed|ing)?\b|\bthrows?\b|\bfreez(?:es|ing)\b|\b(?:fails?|failed|failing) with\b",
        r"\b(?:looks like|seems like|seems to be|must be|i suspect|probably) a bug\b|\bbug (?:in|on) (?:the|your)\b",
    ],
    # It worked before and stopped: a regression.
    "regression": [
        r"\bstopped (?:working|sending|arriving|showing|capturing|recording|loading|getting)\b|\bno longer\b|\bnot working anymore\b|\banymore\b",
        r"\b(?:since|after) (?:(?:we |i )?(?:upgrad|updat|migrat|switch|enabl|rolling|changing|roll)\w*|the (?:latest |last )?(?:update|upgrade|release|migration))\b",
        r"\bused to (?:work|load|be)\b|\bworked (?:fine |for months|before|last|on|until)\b|\bregression\b|\b(?:it )?was (?:fine|correct|accurate) (?:before|last)\b",
        r"\bsince (?:yesterday|this morning|last (?:week|month|night|tuesday|release)|monday|tuesday|wednesday|thursday|friday|\d\d?:\d\d|\d+ (?:days|hours))\b",
        r"\bdowngrading fixes\b|\brolling back fixes\b",
    ],
    # Something behaves wrongly without an error message.
    "malfunction": [
        r"\b(?:broken|broke|bug|doesn'?t work|does not work|not working|isn'?t working|won'?t (?:load|open|start)|never (?:opens|starts|arrive|arrives|loads))\b",
        r"\b(?:wrong|incorrect|doesn'?t match|don'?t match|don'?t add up|mismatch|doubled|duplicated?|twice|missing|disappeared|gone|empty|stuck|blank|ignored|timeouts?|times out|timed out|hangs?|slow)\b",
        r"\b(?:fails?|failing|failed)\b",
        r"\bnot (?:updating|showing|loading|appearing|arriving|saving|working|recording)\b|\bstill (?:shows?|says|showing)\b",
    ],
    # The customer's production, or everyone, is affected.
    "outage": [
        r"\b(?:production|prod|site|app|ingestion|checkout|everything|service|website)\b[^.\n]{0,30}\b(?:is|are|went|goes) (?:down|broken)\b",
        r"\b(?:production|prod|website|site|ingestion|checkout)\s+(?:is\s+)?down\b|\boutage\b|\bdown for\b|\btaking (?:our|the) \w+ down\b|\bdropped to zero\b|\bzero (?:events|persons)\b",
        r"\b(?:every|all)(?: \w+){0,2} (?:requests?|flags?|users?|customers?|events|dashboards?|page|pages)\b[^.\n]{0,40}\b(?:fail\w*|returns?|gets?|evaluates?|disabled|time out|stopped|gone|zero|down)\b",
        r"\b(?:nobody|no one)\b[^.\n]{0,30}\b(?:can|could) (?:log ?in|load|access|use)\b|\bcustomers can'?t\b|\brevenue (?:is )?(?:dropping|impact)",
        r"\bwe'?re losing (?:all )?(?:events|data)\b|\blosing (?:all )?events\b",
    ],
    "security": [
        r"\b(?:vulnerabilit\w*|security (?:issue|problem|hole)|xss|script injection|data breach|breach|(?<!memory )leak(?:ed|ing)?|compromised|exposed|exposes)\b",
        r"\b(?:privacy|compliance) problem\b|\bunmasked passwords?\b|\bpasswords? (?:fields? )?in clear text\b|\bother (?:customers'|company's) data\b|\banother company'?s\b|\bnot us\b",
        r"\bsomeone (?:outside|from outside)\b|\b(?:nobody|no one) (?:here )?invited\b",
    ],
    "data_loss": [
        r"\b(?:lost|lose|losing) (?:\w+ ){0,3}(?:data|events|recordings)\b|\bdata loss\b|\bcorrupt\w*\b",
        r"\b(?:all|every|our|the) (?:\w+ ){0,3}(?:events|recordings|data|persons|responses)\b[^.\n]{0,30}\b(?:are|were|have been|got)? ?(?:gone|disappeared|deleted|missing|dropped(?! off))\b",
        r"\ba (?:\w+-)?(?:day|week) gap\b|\bis it recoverable\b|\brestore (?:\w+ )?from (?:a )?backup\b|\brecover (?:our|the|my) data\b",
    ],
    "urgency": [
        r"\b(?:urgent\w*|asap|immediately|right now|as soon as possible|critical|blocking|blocked|in an hour|help now)\b",
        r"\b(?:in production|live in production|our production|store release|live data|launch(?:es)? (?:is )?(?:on )?\w+day|tomorrow|deadline)\b",
        r"\b(?:customers (?:are )?(?:complaining|affected)|thousands of users|(?:every|all (?:of )?(?:our )?|each) (?:users?|customers?|members?)|(?:our )?(?:whole|entire) (?:team|company|organi[sz]ation))\b",
        r"\bat all\b|\bdoubled overnight\b|\$\d[\d,]*|\b(?:our|my) revenue\b",
    ],
    "frustration": [
        r"\b(?:nobody|no one) (?:has )?(?:answered|replied|responded)|\bno (?:reply|response|answer)s?\b|\bgot no reply\b",
        r"\bstill (?:waiting|no answer|not (?:fixed|working|resolved))\b|\b(?:asked|posted) (?:about )?(?:this )?(?:twice|again|three times)\b|\bthird time\b",
        r"\bfrustrat\w*|\bunacceptable\b|\bridiculous\b|!!",
    ],
}

# "How do I ..." questions: asked to learn, not to get something done on the account.
HOW_TO = re.compile(
    r"^(?:how (?:do|can|should|would|to)|what(?:'s| is| are| does| do| happens)|which|where (?:do|can|is|are|should)|when (?:should|to)|"
    r"is (?:there|it possible|the|it)|are (?:there|they)|can (?:i|we|the|a|you use)|should (?:i|we)|do (?:you|i|we|they|\w+s)|does|any tips|best (?:way|practice)|"
    r"(?:the )?recommended|why (?:do|does|is|are) (?:our |the )?(?:numbers|counts|totals)|feature request|tips)\b"
)
_SENTENCE = re.compile(r"[.?!\n]+\s*")
_PROBLEM_SIGNALS = frozenset({"account_request", "error_report", "regression", "outage", "security", "data_loss", "frustration"})
_CRITICAL_SIGNALS = ("outage", "security", "data_loss")
_COMPILED = {name: [re.compile(p) for p in patterns] for name, patterns in PATTERNS.items()}


@dataclass(frozen=True)
class Signal:
    signal: str
    weight: float
    evidence: str


@dataclass(frozen=True)
class Evidence:
    """What the database knows about the question; None fields mean "not computed"."""

    # Cosine similarity of the closest answered question or docs section, and what it was.
    best_match_similarity: float | None = None
    best_match: str | None = None
    # The author's most similar recent question: (id, subject, similarity).
    repeat_of: tuple[int, str, float] | None = None


@dataclass(frozen=True)
class Assessment:
    score: float
    flagged: bool
    severity: str
    signals: list[Signal] = field(default_factory=list)

    def reasons(self) -> list[dict]:
        return [asdict(s) for s in self.signals]


def normalise(text: str) -> str:
    return " ".join(text.replace("\u2019", "'").replace("\u2018", "'").lower().split())


def _first_match(text: str, patterns: list[re.Pattern]) -> str | None:
    for pattern in patterns:
        found = pattern.search(text)
        if found:
            return found.group(0).strip()[:80]
    return None


def weight_of(settings: Settings, signal: str) -> float:
    return float(getattr(settings, f"support_weight_{signal}"))


def text_signals(subject: str, body: str, settings: Settings) -> list[Signal]:
    text = normalise(f"{subject}\n{body}")
    signals = []
    for name, patterns in _COMPILED.items():
        evidence = _first_match(text, patterns)
        if evidence is not None:
            signals.append(Signal(name, weight_of(settings, name), evidence))
    if len(body) >= settings.support_complex_chars or body.count("```") >= 4:
        signals.append(Signal("complexity", settings.support_weight_complexity, f"{len(body)} characters, {body.count('```') // 2} code blocks"))
    return signals


def evidence_signals(evidence: Evidence, settings: Settings) -> list[Signal]:
    signals = []
    best = evidence.best_match_similarity
    if best is not None and best < settings.support_no_match_similarity:
        what = f"closest: {evidence.best_match!r} at {best:.2f}" if evidence.best_match else "nothing similar answered or documented"
        signals.append(Signal("no_good_match", settings.support_weight_no_good_match, what))
    if evidence.repeat_of is not None and evidence.repeat_of[2] >= settings.support_repeat_similarity:
        qid, subject, similarity = evidence.repeat_of
        signals.append(Signal("repeated", settings.support_weight_repeated, f"asked #{qid} {subject!r} recently ({similarity:.2f} similar)"))
    return signals


def assess(subject: str, body: str, settings: Settings, evidence: Evidence | None = None) -> Assessment:
    signals = text_signals(subject, body, settings) + evidence_signals(evidence or Evidence(), settings)
    remaining = 1.0
    for signal in signals:
        remaining *= 1.0 - max(0.0, min(signal.weight, 1.0))
    score = 1.0 - remaining
    names = {s.signal for s in signals}
    if not names & _PROBLEM_SIGNALS:
        framing = next(filter(None, (HOW_TO.match(sentence.strip()) for sentence in _SENTENCE.split(normalise(f"{subject}. {body}")))), None)
        if framing and settings.support_how_to_discount > 0:
            signals.append(Signal("how_to", -settings.support_how_to_discount, framing.group(0)))
            score *= 1.0 - settings.support_how_to_discount
    score = round(score, 4)
    flagged = score >= settings.support_flag_threshold
    return Assessment(score, flagged, severity_of(names, flagged), signals)


def severity_of(names: set[str], flagged: bool) -> str:
    """Unflagged questions are 'low' (the community answers them); flagged ones by what they report:
    an outage, a security problem or lost data is critical, broad impact or urgency high."""
    if not flagged:
        return "low"
    if names.intersection(_CRITICAL_SIGNALS):
        return "critical"
    if "urgency" in names:
        return "high"
    return "medium"
