#!/usr/bin/python3
"""jsonschema.py -- check that a program printed exactly one JSON object
and that it matches a schema.

    jsonschema.py SCHEMAS.json NAME [FILE]

SCHEMAS.json holds {"definitions": {NAME: schema, ...}}; the text checked
is FILE, or standard input.  It must be valid UTF-8 holding one JSON value,
an object, with nothing but white space around it.  Exit 0 when it matches,
1 with each mismatch on stderr (as a JSON path and a reason).

A subset of JSON Schema (draft 7) is understood, and any other keyword is
refused rather than ignored: type (a name or a list of names), properties,
required, additionalProperties (a boolean or a schema), items (one schema),
minItems, enum, const, minimum, pattern (re.search), format ("date-time":
RFC 3339 in UTC, as the loader prints times), and $ref ("#/definitions/X").
"""
import json
import re
import sys

TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and
    not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}
KNOWN = {"type", "properties", "required", "additionalProperties", "items",
         "minItems", "enum", "const", "minimum", "pattern", "format", "$ref",
         "description", "title"}
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


class Checker:
    def __init__(self, root):
        self.root = root
        self.errors = []

    def resolve(self, ref):
        if not ref.startswith("#/"):
            raise ValueError("only local $ref is understood: %r" % ref)
        node = self.root
        for part in ref[2:].split("/"):
            node = node[part]
        return node

    def fail(self, path, why):
        self.errors.append("%s: %s" % (path or "$", why))

    def check(self, v, schema, path="$"):
        if schema is True:
            return
        if schema is False:
            self.fail(path, "no value is allowed here")
            return
        unknown = set(schema) - KNOWN
        if unknown:
            raise ValueError("schema keywords not understood: %s" %
                             ", ".join(sorted(unknown)))
        if "$ref" in schema:
            self.check(v, self.resolve(schema["$ref"]), path)
        if "type" in schema:
            names = schema["type"]
            names = [names] if isinstance(names, str) else names
            if not any(TYPES[n](v) for n in names):
                self.fail(path, "%s is not of type %s" %
                          (json.dumps(v)[:60], "|".join(names)))
                return
        if "enum" in schema and v not in schema["enum"]:
            self.fail(path, "%s is not one of %s" %
                      (json.dumps(v)[:60], schema["enum"]))
        if "const" in schema and v != schema["const"]:
            self.fail(path, "%s is not %s" % (json.dumps(v)[:60],
                                               json.dumps(schema["const"])))
        if "minimum" in schema and TYPES["number"](v) and \
                v < schema["minimum"]:
            self.fail(path, "%s is below %s" % (v, schema["minimum"]))
        if isinstance(v, str):
            if "pattern" in schema and not re.search(schema["pattern"], v):
                self.fail(path, "%r does not match /%s/" %
                          (v[:60], schema["pattern"]))
            if schema.get("format") == "date-time" and \
                    not DATE_TIME.match(v):
                self.fail(path, "%r is not an RFC 3339 UTC time" % v[:60])
        if isinstance(v, dict):
            props = schema.get("properties", {})
            for k in schema.get("required", []):
                if k not in v:
                    self.fail(path, "missing required %r" % k)
            extra = schema.get("additionalProperties", True)
            for k, sub in v.items():
                if k in props:
                    self.check(sub, props[k], "%s.%s" % (path, k))
                elif extra is False:
                    self.fail(path, "unexpected property %r" % k)
                else:
                    self.check(sub, extra, "%s.%s" % (path, k))
        if isinstance(v, list):
            if "minItems" in schema and len(v) < schema["minItems"]:
                self.fail(path, "fewer than %d items" % schema["minItems"])
            if "items" in schema:
                for i, item in enumerate(v):
                    self.check(item, schema["items"], "%s[%d]" % (path, i))


def one_object(raw):
    """The one JSON object in raw (bytes), or raise ValueError."""
    text = raw.decode("utf-8")          # strict: invalid UTF-8 fails
    dec = json.JSONDecoder()
    start = len(text) - len(text.lstrip())
    if start == len(text):
        raise ValueError("no output")
    value, end = dec.raw_decode(text, start)
    if text[end:].strip():
        raise ValueError("more than one JSON value (or junk) after "
                         "offset %d: %r" % (end, text[end:end + 40]))
    if not isinstance(value, dict):
        raise ValueError("the JSON value is a %s, not an object" %
                         type(value).__name__)
    return value


def main(argv):
    if len(argv) not in (3, 4):
        sys.stderr.write(__doc__)
        return 2
    with open(argv[1]) as f:
        root = json.load(f)
    name = argv[2]
    if name not in root.get("definitions", {}):
        sys.stderr.write("jsonschema: no schema %r in %s\n" % (name, argv[1]))
        return 2
    if len(argv) == 4:
        with open(argv[3], "rb") as f:
            raw = f.read()
    else:
        raw = sys.stdin.buffer.read()
    try:
        value = one_object(raw)
    except ValueError as e:
        sys.stderr.write("jsonschema: %s: %s\n" % (name, e))
        return 1
    c = Checker(root)
    c.check(value, root["definitions"][name])
    for e in c.errors:
        sys.stderr.write("jsonschema: %s: %s\n" % (name, e))
    return 1 if c.errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
