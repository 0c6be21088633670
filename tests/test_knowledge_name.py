"""The knowledge name of a local copy: never one that reads as the built-in, never one that commands a terminal.

Review R16: `ntrk-аdvisor built-in pathways` (a Cyrillic а) and `ntrk-advisor built­in pathways`
(a soft hyphen) passed `pathways check` and stamped results with a name that reads as the built-in.
Review R17: a name holding escape sequences (colour, an OSC 8 link) passed, and the summary of
`pathways check` wrote the raw bytes to the terminal. Both are refused at load (so by `pathways
check` and by every command that loads the copy), R17 with file and line; and every renderer that
prints the name writes such characters out visibly all the same.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ntrk_advisor.errors import PathwayError
from ntrk_advisor.pathway.knowledge import load_knowledge_base
from ntrk_advisor.pathway.look_alike import reads_as, skeleton, unseen
from tests.conftest import PROJECT, CliRun

Run = Callable[..., CliRun]
BUILTIN = "ntrk-advisor built-in pathways"
NAME_LINE = f'  name: "{BUILTIN}"\n'
LOOKS_BUILTIN = "a local copy must change 'name'"


def named(copy: Path, name: str, field: str = "name") -> Path:
    """The copy with `field` of knowledge.yaml set to `name` (written as a YAML escape string)."""
    path = copy / "knowledge.yaml"
    text = path.read_text(encoding="utf-8")
    if field != "name":
        text = text.replace(NAME_LINE, '  name: "Clinic X pathways"\n')
    line = next(line for line in text.splitlines(keepends=True) if line.lstrip().startswith(f"{field}: "))
    indent = line[: len(line) - len(line.lstrip())]
    path.write_text(text.replace(line, f"{indent}{field}: {yaml_quoted(name)}\n", 1), encoding="utf-8")
    return copy


def yaml_quoted(text: str) -> str:
    """A YAML double-quoted scalar holding exactly `text`: every character outside printable ASCII escaped."""
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif " " <= char <= "~":
            out.append(char)
        elif ord(char) > 0xFFFF:
            out.append(f"\\U{ord(char):08x}")
        else:
            out.append(f"\\u{ord(char):04x}")
    return '"' + "".join(out) + '"'


def problems_of(copy: Path) -> list[str]:
    with pytest.raises(PathwayError) as caught:
        load_knowledge_base(copy)
    return [str(p) for p in caught.value.problems]


# --- R16: look-alikes of the built-in name ------------------------------------------------------


@pytest.mark.parametrize(
    "disguise",
    ["ntrk-\u0430dvisor built-in pathways", "ntrk-advisor built\u00adin pathways"],
    ids=["Cyrillic a", "soft hyphen"],
)
def test_the_review_s_look_alikes_are_refused_by_pathways_check(
    run_cli: Run, pathways_copy: Path, disguise: str
) -> None:
    out = run_cli("pathways", "check", "--dir", str(named(pathways_copy, disguise)))
    found = out.stdout.splitlines()
    assert out.code == 5 and any(
        line.startswith(f"knowledge.yaml:knowledge: {LOOKS_BUILTIN}") for line in found
    )


@pytest.mark.parametrize(
    "disguise",
    [
        "ntrk-advisor built-in pathways",
        "ΝΤΡΚ-advisor built-in pathways",  # Greek capitals
        "ntrk-advisor built-in pathwаys",  # Cyrillic а
        "ntrk-advisor buіlt-in pathways",  # Cyrillic і
        "ntrk-adviѕor built-in pathways",  # Cyrillic ѕ
        "ntrk-advisor built-in pathways\u3164",  # a Hangul filler: blank on screen
        "ntrk-advisor built\u2010in pathways",  # a Unicode hyphen
        "ntrk advisor builtin pathways",
        "ntrk-advisor buiIt-in pathways",  # capital I for l
        "ntrk-advisor built-in pathvvays",
        "ntrk-ädvisor built-in pathways",
        "ntrk-advisor built-in pathways\u200d",
        "ntrk-advisor built-in pathways\ufe0f",
        "\U0001d427\U0001d42d\U0001d42b\U0001d424-advisor built-in pathways",  # mathematical bold
        "ꓠꓔꓣꓗ-advisor built-in pathways",  # Lisu: in no table, caught as letters outside ASCII
    ],
)
def test_a_name_that_reads_as_the_builtin_is_refused_at_load(pathways_copy: Path, disguise: str) -> None:
    assert any(
        p.startswith(f"knowledge.yaml:knowledge: {LOOKS_BUILTIN}")
        for p in problems_of(named(pathways_copy, disguise))
    )


@pytest.mark.parametrize(
    "name",
    [
        "Clinic X pathways",
        "Local pathways (clinic), from ntrk-advisor built-in pathways",  # what `pathways init` writes
        "ntrk-advisor built-in pathways, Clinic X edition",
        "北京医院 NTRK 路径",
    ],
)
def test_a_name_that_reads_differently_loads(pathways_copy: Path, name: str) -> None:
    assert load_knowledge_base(named(pathways_copy, name)).stamp.name == name


HOMOGLYPHS = {
    "a": "аαɑᎪꓮ",
    "d": "ԁᏧꓒ",
    "i": "іιıɪᎥ",
    "k": "кκᏦꓗ",
    "n": "ηոꓠ",
    "o": "оοօ",
    "p": "рρᏢꓑ",
    "r": "гꭇꓣ",
    "s": "ѕꜱᏚ",
    "t": "тτᎢꓔ",
    "u": "υսꭎ",
    "v": "νѵᏙ",
    "w": "ԝωᏔ",
    "y": "уүγ",
}
INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff\u034f\u180e\ufe0f\u3164\U000e0041"
SEPARATORS = [" ", "\u00a0", "\u2009", "\u3000", "\t", "-", "\u2010", "\u2013", "_", ".", ""]


@st.composite
def disguises(draw: st.DrawFn) -> str:
    """The built-in name with letters swapped for look-alikes, case changed, invisibles and odd separators."""
    out = []
    for char in BUILTIN:
        if char in " -":
            out.append(draw(st.sampled_from(SEPARATORS)))
            continue
        choice = draw(st.integers(0, 5))
        if choice == 0 and char in HOMOGLYPHS:
            out.append(draw(st.sampled_from(HOMOGLYPHS[char])))
        elif choice == 1:
            out.append(char.upper() if char != "l" else "I")
        elif choice == 2:
            out.append(chr(0xFF00 + ord(char) - 0x20))  # fullwidth
        elif choice == 3:
            out.append(char + draw(st.sampled_from("\u0301\u0308\u0307")))
        else:
            out.append(char)
        if draw(st.integers(0, 6)) == 0:
            out.append(draw(st.sampled_from(INVISIBLE)))
    return "".join(out)


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(disguise=disguises())
def test_every_disguise_of_the_builtin_name_reads_as_it(disguise: str) -> None:
    assert reads_as(disguise, BUILTIN), (disguise, skeleton(disguise))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(extra=st.text(alphabet=st.characters(categories=["L", "N"]), min_size=1, max_size=3))
def test_a_name_with_letters_or_digits_added_reads_differently(extra: str) -> None:
    assert not reads_as(f"{BUILTIN} {extra}", BUILTIN) or skeleton(extra) == ""


# --- R17: control characters and escape sequences -----------------------------------------------

ESCAPES = "my \x1b[31mRED \x1b]8;;http://evil\x1b\\L\x1b]8;;\x1b\\ pathways"
"""The review's name: colour, then an OSC 8 hyperlink."""


def test_the_review_s_escape_sequences_are_refused_by_pathways_check_with_file_and_line(
    run_cli: Run, pathways_copy: Path
) -> None:
    out = run_cli("pathways", "check", "--dir", str(named(pathways_copy, ESCAPES)))
    assert out.code == 5
    assert out.stdout.startswith(
        "knowledge.yaml:line 6: 'name' holds U+001B, a control or invisible character"
    )
    assert "\x1b" not in out.stdout + out.stderr


def test_every_command_that_loads_the_copy_refuses_it(run_cli: Run, pathways_copy: Path) -> None:
    out = run_cli("--pathways-dir", str(named(pathways_copy, ESCAPES)), "about")
    assert out.code == 2 and "knowledge.yaml:line 6" in out.stderr and "\x1b" not in out.stdout + out.stderr


UNSEEN = {
    "ESC": "\x1b",
    "BEL": "\x07",
    "backspace": "\x08",
    "carriage return": "\r",
    "DEL": "\x7f",
    "C1 CSI": "\x9b",
    "C1 OSC": "\x9d",
    "right-to-left override": "\u202e",
    "left-to-right isolate": "\u2066",
    "line separator": "\u2028",
}


def line_of(field: str) -> int:
    """The line of the built-in knowledge.yaml that holds `field` (as a copy starts out)."""
    lines = (PROJECT / "pathways" / "knowledge.yaml").read_text(encoding="utf-8").splitlines()
    return next(n for n, text in enumerate(lines, 1) if text.lstrip().startswith(f"{field}:"))


@pytest.mark.parametrize("char", list(UNSEEN.values()), ids=list(UNSEEN))
@pytest.mark.parametrize("field", ["name", "version", "developer", "report_problems", "title"])
def test_no_knowledge_text_may_hold_a_control_character(pathways_copy: Path, char: str, field: str) -> None:
    line = line_of(field)
    found = problems_of(named(pathways_copy, f"Clinic{char}X", field))
    code = f"U+{ord(char):04X}"
    assert any(p.startswith(f"knowledge.yaml:line {line}: '") and code in p for p in found), found


@pytest.mark.parametrize(
    "char",
    ["\u00ad", "\u200b", "\u200d", "\t", "\ue000"],
    ids=["soft hyphen", "ZWSP", "ZWJ", "tab", "private use"],
)
def test_a_name_holds_nothing_invisible(pathways_copy: Path, char: str) -> None:
    found = problems_of(named(pathways_copy, f"Clinic{char}X pathways"))
    assert any(p.startswith("knowledge.yaml:line 6: 'name' holds U+") for p in found), found


def test_longer_texts_may_break_lines(pathways_copy: Path) -> None:
    named(pathways_copy, "Report problems to\nthe pathways team\tplease.", "report_problems")
    assert "the pathways team" in load_knowledge_base(pathways_copy).meta.knowledge.report_problems


@settings(max_examples=200, deadline=None, derandomize=True)
@given(text=st.text(min_size=1, max_size=12))
def test_a_name_is_refused_exactly_when_a_terminal_would_obey_or_hide_a_character_of_it(text: str) -> None:
    hidden = [
        c
        for c in text
        if unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp")
        or c in "\u115f\u1160\u3164\uffa0"
    ]
    assert (unseen(text, invisible=True) is None) == (not hidden)


def test_the_builtin_knowledge_holds_nothing_unseen() -> None:
    meta = load_knowledge_base().meta.knowledge
    for text in (
        meta.name,
        meta.version,
        meta.developer,
        meta.report_problems,
        meta.intended_use.en,
        meta.not_for.zh,
    ):
        assert unseen(text, invisible=False) is None


# --- and every renderer shows such a name literally anyway --------------------------------------


@pytest.mark.slow  # runs every screen of the CLI
def test_every_screen_that_prints_the_name_writes_escapes_out_visibly(
    run_cli: Run, pathways_copy: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """With the load-time refusal switched off, the name still never reaches a terminal raw."""
    from ntrk_advisor.pathway import loading

    monkeypatch.setattr(loading, "check_metadata_text", lambda data, text: [])
    monkeypatch.setenv("NTRK_ADVISOR_NO_CACHE", "1")  # a copy accepted here must not be cached for others
    copy = str(named(pathways_copy, ESCAPES))
    case = tmp_path / "case.json"
    case.write_text('{"age_years": 50, "fusion_status": "confirmed", "emergency": []}', encoding="utf-8")
    runs = [
        run_cli("pathways", "check", "--dir", copy),
        run_cli("--pathways-dir", copy, "about"),
        run_cli("--pathways-dir", copy, "pathways", "list"),
        run_cli("--pathways-dir", copy, "consult", "--case", str(case), "--no-input", "--no-pager"),
        run_cli("--pathways-dir", copy, "consult", "--case", str(case), "--no-input", "--format", "markdown"),
        run_cli("--pathways-dir", copy, "consult", "--case", str(case), "--no-input", "--format", "html"),
        run_cli("--pathways-dir", copy, "consult", "--case", str(case), "--no-input", "--format", "json"),
        run_cli("--pathways-dir", copy, "batch", str(case), "--format", "markdown", "-q"),
    ]
    for out in runs:
        assert "\x1b" not in out.stdout + out.stderr, out.stdout
    assert "\\x1b[31mRED" in runs[0].stderr + runs[0].stdout
    assert "\\x1b[31mRED" in runs[1].stdout and "\\x1b[31mRED" in runs[3].stdout
