"""Translated names of the DigComp 2.2 and GreenComp competences courses refer to."""

from app.core.catalogs import lazy_gettext as _l

DIGCOMP_AREAS = {
    "1": _l("Information and data literacy"),
    "2": _l("Communication and collaboration"),
    "3": _l("Digital content creation"),
    "4": _l("Safety"),
    "5": _l("Problem solving"),
}
DIGCOMP = {
    "1.1": _l("Browsing, searching and filtering data, information and digital content"),
    "1.2": _l("Evaluating data, information and digital content"),
    "1.3": _l("Managing data, information and digital content"),
    "2.1": _l("Interacting through digital technologies"),
    "2.2": _l("Sharing through digital technologies"),
    "2.3": _l("Engaging citizenship through digital technologies"),
    "2.4": _l("Collaborating through digital technologies"),
    "2.5": _l("Netiquette"),
    "2.6": _l("Managing digital identity"),
    "3.1": _l("Developing digital content"),
    "3.2": _l("Integrating and re-elaborating digital content"),
    "3.3": _l("Copyright and licences"),
    "3.4": _l("Programming"),
    "4.1": _l("Protecting devices"),
    "4.2": _l("Protecting personal data and privacy"),
    "4.3": _l("Protecting health and well-being"),
    "4.4": _l("Protecting the environment"),
    "5.1": _l("Solving technical problems"),
    "5.2": _l("Identifying needs and technological responses"),
    "5.3": _l("Creatively using digital technologies"),
    "5.4": _l("Identifying digital competence gaps"),
}
GREENCOMP = {
    "1.1": _l("Valuing sustainability"),
    "1.2": _l("Supporting fairness"),
    "1.3": _l("Promoting nature"),
    "2.1": _l("Systems thinking"),
    "2.2": _l("Critical thinking"),
    "2.3": _l("Problem framing"),
    "3.1": _l("Futures literacy"),
    "3.2": _l("Adaptability"),
    "3.3": _l("Exploratory thinking"),
    "4.1": _l("Political agency"),
    "4.2": _l("Collective action"),
    "4.3": _l("Individual initiative"),
}
LEVELS = {
    "foundation": _l("Foundation"),
    "intermediate": _l("Intermediate"),
    "advanced": _l("Advanced"),
}


def digcomp_label(code: str) -> str:
    return f"{code} {DIGCOMP.get(code, '')}".strip()


def greencomp_label(code: str) -> str:
    return f"{code} {GREENCOMP.get(code, '')}".strip()
