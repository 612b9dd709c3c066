"""Label maps in the TensorFlow Object Detection API text format (``label_map.pbtxt``).

::

    item {
      id: 1
      name: 'one'
    }

A small parser of this text format (single or double quotes, ``#`` comments, optional
``display_name``, unknown fields ignored); no protobuf dependency.
"""
import re
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

from tod_ros.errors import TodError, ValidationError
from tod_ros.fileio import atomic_write


@dataclass(frozen=True)
class LabelItem:
    """One entry of a label map."""

    id: int
    name: str
    display_name: Optional[str] = None


class LabelMap:
    """Class names <-> ids (1..N by convention; 0 is the background and never used)."""

    def __init__(self, items, source="label map"):
        self.items: List[LabelItem] = sorted(items, key=lambda it: it.id)
        problems = _check_items(self.items)
        if problems:
            raise ValidationError(problems, header=f"{source}: inconsistent label map")
        self._by_name = {it.name: it for it in self.items}
        self._by_id = {it.id: it for it in self.items}

    @classmethod
    def from_names(cls, names):
        """Label map with ids 1..N in the order of ``names``."""
        return cls([LabelItem(i, n) for i, n in enumerate(names, start=1)])

    @property
    def names(self):
        """Class names in id order."""
        return [it.name for it in self.items]

    @property
    def ids(self):
        """Ids in increasing order."""
        return [it.id for it in self.items]

    @property
    def num_classes(self):
        """Number of labels (without the background)."""
        return len(self.items)

    @property
    def max_id(self):
        """Largest id (what a model's number of classes must cover when ids have gaps)."""
        return max(self.ids, default=0)

    def id_of(self, name):
        """Id of class ``name``; TodError if unknown."""
        try:
            return self._by_name[name].id
        except KeyError:
            raise TodError(f"unknown label {name!r} (label map has: {', '.join(self.names)})") from None

    def name_of(self, class_id):
        """Name of class id ``class_id``; TodError if unknown."""
        try:
            return self._by_id[int(class_id)].name
        except KeyError:
            raise TodError(f"unknown class id {class_id} (label map has ids {self.ids})") from None

    def __contains__(self, name):
        return name in self._by_name

    def __len__(self):
        return len(self.items)

    def __eq__(self, other):
        return isinstance(other, LabelMap) and self.items == other.items

    def __repr__(self):
        return f"LabelMap({', '.join(f'{it.id}:{it.name}' for it in self.items)})"

    def to_text(self):
        """The ``label_map.pbtxt`` text."""
        out = []
        for it in self.items:
            out += ["item {", f"  id: {it.id}", f"  name: {_quote(it.name)}"]
            if it.display_name is not None:
                out.append(f"  display_name: {_quote(it.display_name)}")
            out.append("}")
        return "\n".join(out) + "\n"


def _quote(text):
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _check_items(items):
    problems, seen_ids, seen_names = [], set(), set()
    for n, it in enumerate(items, start=1):
        if it.id <= 0:
            problems.append(f"item {it.name or n!r}: id {it.id} is not allowed (ids start at 1, 0 is the background)")
        if not it.name:
            problems.append(f"item with id {it.id}: missing name")
        if it.id in seen_ids:
            problems.append(f"duplicate id {it.id}")
        if it.name and it.name in seen_names:
            problems.append(f"duplicate name {it.name!r}")
        seen_ids.add(it.id)
        seen_names.add(it.name)
    return problems


# --------------------------------------------------------------------------- parsing

_TOKEN = re.compile(r"""
    (?P<ws>\s+|\#[^\n]*)
  | (?P<str>'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<num>[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_.]*)
  | (?P<punct>[{}:;,\[\]<>])
""", re.VERBOSE)


def _tokens(text, source):
    pos, line = 0, 1
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise TodError(f"{source}:{line}: unexpected character {text[pos]!r}")
        kind = m.lastgroup
        if kind != "ws":
            yield kind, m.group(), line
        line += m.group().count("\n")
        pos = m.end()


def _unquote(tok):
    body = tok[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


class _Parser:
    def __init__(self, text, source):
        self.toks = list(_tokens(text, source))
        self.i = 0
        self.source = source

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else (None, None, self.toks[-1][2] if self.toks else 1)

    def next(self):
        tok = self.peek()
        if tok[0] is None:
            raise TodError(f"{self.source}: unexpected end of file")
        self.i += 1
        return tok

    def error(self, msg, line):
        return TodError(f"{self.source}:{line}: {msg}")

    def message(self):
        """Fields until '}' or end: list of (name, value, line); value is a list for messages."""
        fields = []
        while True:
            kind, tok, line = self.peek()
            if kind is None or (kind == "punct" and tok in ("}", ">")):
                return fields
            kind, name, line = self.next()
            if kind != "ident":
                raise self.error(f"expected a field name, found {name!r}", line)
            kind, tok, _ = self.next()
            if tok == ":":
                kind, tok, vline = self.peek()
                if tok in ("{", "<"):
                    self.next()
                    fields.append((name, self._sub(tok, line), line))
                else:
                    fields.append((name, self._scalar(), line))
            elif tok in ("{", "<"):
                fields.append((name, self._sub(tok, line), line))
            else:
                raise self.error(f"expected ':' or '{{' after {name!r}, found {tok!r}", line)
            if self.peek()[1] in (";", ","):
                self.next()

    def _sub(self, opening, line):
        fields = self.message()
        kind, tok, cline = self.next()
        if tok != {"{": "}", "<": ">"}[opening]:
            raise self.error(f"unclosed block opened at line {line}", cline)
        return fields

    def _scalar(self):
        kind, tok, line = self.next()
        if kind == "str":
            value = _unquote(tok)
            while self.peek()[0] == "str":    # adjacent strings concatenate
                value += _unquote(self.next()[1])
            return value
        if kind in ("num", "ident"):
            return tok
        raise self.error(f"expected a value, found {tok!r}", line)


def _item_from_fields(fields, source, line):
    values = {}
    for name, value, fline in fields:
        if name in ("id", "name", "display_name"):
            if name in values:
                raise TodError(f"{source}:{fline}: field {name!r} given twice in one item")
            values[name] = (value, fline)
    if "id" not in values:
        raise TodError(f"{source}:{line}: item without id")
    raw_id, id_line = values["id"]
    try:
        item_id = int(raw_id)
    except (TypeError, ValueError):
        raise TodError(f"{source}:{id_line}: id must be an integer, not {raw_id!r}") from None
    name = values.get("name", ("", 0))[0]
    display = values.get("display_name", (None, 0))[0]
    if not isinstance(name, str) or (display is not None and not isinstance(display, str)):
        raise TodError(f"{source}:{line}: name/display_name must be quoted strings")
    return LabelItem(item_id, name.strip(), display)


def parse_label_map(text, source="<label map>"):
    """Parse label map text; errors name ``source`` (and the line)."""
    parser = _Parser(text, source)
    fields = parser.message()
    kind, tok, line = parser.peek()
    if kind is not None:
        raise TodError(f"{source}:{line}: unexpected {tok!r}")
    items = []
    for name, value, line in fields:
        if name != "item":
            raise TodError(f"{source}:{line}: unexpected top-level field {name!r} (expected 'item {{ ... }}')")
        if not isinstance(value, list):
            raise TodError(f"{source}:{line}: 'item' must be a block {{ ... }}")
        items.append(_item_from_fields(value, source, line))
    if not items:
        raise TodError(f"{source}: label map has no item")
    return LabelMap(items, source=source)


def read_label_map(path):
    """Read a ``label_map.pbtxt`` file; :class:`TodError` naming the file when it is inconsistent."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TodError(f"{path}: cannot read label map ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise TodError(f"{path}: label map is not UTF-8 text") from exc
    return parse_label_map(text, source=str(path))


def write_label_map(path, label_map):
    """Write ``label_map`` as TOD ``label_map.pbtxt`` text (atomically); returns the path."""
    with atomic_write(path, "w", encoding="utf-8") as fh:
        fh.write(label_map.to_text())
    return Path(path)


def label_map_for(found_names, existing=None, names=None):
    """The label map of a dataset: ``existing`` (a LabelMap) wins, then ``names`` (config order),
    else the ``found_names`` sorted. Labels absent from the chosen map are reported by validation."""
    if existing is not None:
        return existing
    if names:
        return LabelMap.from_names(list(dict.fromkeys(names)))
    return LabelMap.from_names(sorted(set(found_names)))
